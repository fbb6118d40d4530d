/**
 * The native engine on the reference net (issue 9): forward and training images/s, batch 64, on the
 * tensorflow backend with tfjs-core's stock gradients and with the native kernels (ReluGrad,
 * FusedBatchNormV3/GradV3), one replica (TensorFlow uses every core itself). Images per CPU-second beside
 * wall-clock images/s, and the 1-minute load average: on a shared machine wall time measures the load.
 * Run the wasm figures with `RANAS_BACKEND=wasm node --import tsx bench/engine.ts`.
 *   node --import tsx bench/native-engine.ts [--json] [--seconds S]
 */
import { loadavg } from 'node:os';
import { initEngine } from '../src/engine/backend.ts';
import { forwardImagesPerSec, syntheticBatch, trainingImagesPerSec, type Throughput } from '../src/engine/throughput.ts';
import { registerNativeKernels } from '../src/engine/native/register-native.ts';
import { printTable, type Row } from '../src/cli/table.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? '') || 4;
const BATCH = 64;

const engine = await initEngine('tensorflow');
if (engine.backend !== 'tensorflow') {
  process.stderr.write(`tensorflow backend not available (${engine.reason}); run ./bin/ranas.mjs setup native\n`);
  process.exit(1);
}
const batch = syntheticBatch(BATCH);
const budgetMs = seconds * 1000;
const rows: Row[] = [];
const row = (kernels: string, f: Throughput, t: Throughput): Row => ({
  backend: `tensorflow ${engine.version}`, kernels, batch: BATCH,
  forwardImgPerSec: Math.round(f.imgPerSec), trainingImgPerSec: Math.round(t.imgPerSec),
  forwardImgPerCpuSec: Math.round(f.imgPerCpuSec), trainingImgPerCpuSec: Math.round(t.imgPerCpuSec),
  loadAverage: Math.round(loadavg()[0] * 10) / 10,
});
rows.push(row('engine JS batch-norm + stock ReLU grad', await forwardImagesPerSec(batch, budgetMs), await trainingImagesPerSec(batch, 1, budgetMs)));
registerNativeKernels();
rows.push(row('native (FusedBatchNormV3/GradV3, ReluGrad)', await forwardImagesPerSec(batch, budgetMs), await trainingImagesPerSec(batch, 1, budgetMs)));
if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
else printTable(rows);
