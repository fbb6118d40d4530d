/**
 * Engine throughput on the reference net (issue 2): forward and training images/s, batch 64, for the
 * active backend with 1 and 2 data-parallel replicas, and the plain cpu backend for comparison. Forward is
 * one thread (its row repeats for both replica counts). Images per CPU-second (all threads of the process)
 * are printed beside wall-clock images per second: on a shared machine the latter measures the load.
 *   node --import tsx bench/engine.ts [--json] [--seconds S] [--no-cpu]
 */
import { tf } from '../src/engine/tf.ts';
import { initEngine } from '../src/engine/backend.ts';
import { forwardImagesPerSec, syntheticBatch, trainingImagesPerSec, type Throughput } from '../src/engine/throughput.ts';
import { printTable, type Row } from '../src/cli/table.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? '') || 4;
const withCpu = !args.includes('--no-cpu');
const BATCH = 64;

const engine = await initEngine();
const batch = syntheticBatch(BATCH);
const rows: Row[] = [];
const budgetMs = seconds * 1000;
const row = (backend: string, replicas: number, f: Throughput, t: Throughput): Row => ({
  backend, replicas, batch: BATCH,
  forwardImgPerSec: Math.round(f.imgPerSec), trainingImgPerSec: Math.round(t.imgPerSec),
  forwardImgPerCpuSec: Math.round(f.imgPerCpuSec), trainingImgPerCpuSec: Math.round(t.imgPerCpuSec),
});
const forward = await forwardImagesPerSec(batch, budgetMs);
for (const replicas of [1, 2]) rows.push(row(engine.backend, replicas, forward, await trainingImagesPerSec(batch, replicas, budgetMs)));
if (withCpu && engine.backend !== 'cpu') {
  // The cpu engine briefly, in this process (its workers start the cpu backend too).
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  rows.push(row('cpu', 1, await forwardImagesPerSec(batch, 1000), await trainingImagesPerSec(batch, 1, 1000)));
}
const load = (await import('node:os')).loadavg()[0].toFixed(1);
printTable(rows, { json, title: `load average ${load}; reference net (32x32x3, stem 3→16, 4 dw-sep residual blocks, dense 10), ${engine.backend} ${engine.version}: ${engine.reason}` });
