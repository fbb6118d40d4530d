/**
 * Engine throughput on the reference net (issue 2): forward and training images/s, batch 64, for the
 * active backend with 1 and 2 data-parallel replicas, and the plain cpu backend for comparison.
 *   node --import tsx bench/engine.ts [--json] [--seconds S] [--no-cpu]
 */
import { tf } from '../src/engine/tf.ts';
import { initEngine } from '../src/engine/backend.ts';
import { forwardImagesPerSec, syntheticBatch, trainingImagesPerSec } from '../src/engine/throughput.ts';
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
const forward = await forwardImagesPerSec(batch, budgetMs);
for (const replicas of [1, 2]) {
  rows.push({ backend: engine.backend, replicas, batch: BATCH, forwardImgPerSec: forward, trainingImgPerSec: await trainingImagesPerSec(batch, replicas, budgetMs) });
}
if (withCpu && engine.backend !== 'cpu') {
  // The cpu engine briefly, in this process (its workers start the cpu backend too).
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  rows.push({ backend: 'cpu', replicas: 1, batch: BATCH, forwardImgPerSec: await forwardImagesPerSec(batch, 1000), trainingImgPerSec: await trainingImagesPerSec(batch, 1, 1000) });
}
printTable(rows, { json, title: `reference net (32x32x3, stem 3→16, 4 dw-sep residual blocks, dense 10), ${engine.backend} ${engine.version}: ${engine.reason}` });
