/**
 * Input-pipeline throughput: augmented images/s at batch 64 with full CIFAR augmentation (pad-4 crop,
 * flip, cutout 16, normalisation), plus eval batches and the BatchIterator. Must be ≥ 10× the engine's
 * training img/s (target ~400 → ≥ 4,000 img/s). Uses the shipped mini set, so it needs no download.
 *
 *   node --import tsx bench/data.ts [--seconds 3] [--json]
 */
import { BatchIterator, augmentBatch, evalBatch, loadCifar10Mini } from '../src/data/index.ts';
import { Rng } from '../src/rng.ts';
import { printTable, type Row } from '../src/text-table.ts';

const secIdx = process.argv.indexOf('--seconds');
const seconds = secIdx > 0 ? Number(process.argv[secIdx + 1]) : 3;
const json = process.argv.includes('--json');
const ENGINE_TARGET_IMG_PER_S = 400;
const BATCH = 64;

const { train } = loadCifar10Mini();
const rng = new Rng(1);

function measure(step: () => void): { imgPerS: number; batches: number } {
  for (let i = 0; i < 20; i++) step(); // warm up the JIT
  const t0 = performance.now();
  let batches = 0;
  while (performance.now() - t0 < seconds * 1000) {
    step();
    batches++;
  }
  return { imgPerS: (batches * BATCH) / ((performance.now() - t0) / 1000), batches };
}

const indices = () => Int32Array.from({ length: BATCH }, () => rng.int(train.count));
const iterator = new BatchIterator(train, { batchSize: BATCH, seed: 1 });
const cases: [string, () => void][] = [
  ['augment: crop+flip+cutout16+normalise', () => augmentBatch(train, indices(), rng, { padPx: 4, flip: true, cutoutPx: 16 })],
  ['BatchIterator.next (shuffle + full augment)', () => iterator.next()],
  ['eval: normalise only', () => evalBatch(train, indices())],
];
const rows: Row[] = cases.map(([name, step]) => {
  const m = measure(step);
  return { pipeline: name, batch: BATCH, imgPerS: Math.round(m.imgPerS), xEngineTarget: Math.round((m.imgPerS / ENGINE_TARGET_IMG_PER_S) * 10) / 10 };
});
printTable(rows, { json, title: `data pipeline throughput (1 thread, ${seconds} s per row; engine target ${ENGINE_TARGET_IMG_PER_S} training img/s)` });
