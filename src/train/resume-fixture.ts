/**
 * A child-process training run on tiny generated data, for the kill -9 / resume test
 * (`resume.test.ts`). Usage: `node --import tsx resume-fixture.ts <dir> [--resume] [--slow-ms N]`.
 * Appends one JSON line per step to `<dir>/log.jsonl` and checkpoints to `<dir>/checkpoint.bin` every 3
 * steps; `--slow-ms` sleeps after every step so the parent can kill it mid-epoch.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.ts';
import { BatchIterator } from '../data/batch-iterator.ts';
import { syntheticDataset } from '../data/synthetic.ts';
import { buildTrainableGraph } from '../exec/trainable-graph.ts';
import { tinyGraph } from '../exec/tiny-graph.ts';
import { iteratorSource } from '../run/batch-source.ts';
import { singleThread } from '../engine/single-thread.ts';
import { trainLoop } from './train-loop.ts';

const [dir, ...rest] = process.argv.slice(2);
const resume = rest.includes('--resume');
const slowAt = rest.indexOf('--slow-ms');
const slowMs = slowAt >= 0 ? Number(rest[slowAt + 1]) : 0;
mkdirSync(dir, { recursive: true });
await initEngine();
// Drop-path on (DARTS schedule: 0 in epoch 1, 0.25 in epoch 2), so resumed steps must also redraw the same masks.
const graph = tinyGraph({ size: 8, width: 6, classes: 4, seed: 3, dropPath: true });
const data = syntheticDataset({ count: 64, classes: 4, height: 8, width: 8, seed: 5 });
const it = new BatchIterator(data, { batchSize: 8, seed: 7, augment: { padPx: 1, cutoutPx: 4 } });
const engine = singleThread(buildTrainableGraph({ graph, exitWeights: [1, 1] }));
await trainLoop({
  engine,
  source: iteratorSource(it),
  hyper: { epochs: 2, batchSize: 8, lr: 0.05, lrMin: 0, momentum: 0.9, weightDecay: 3e-4, gradClipNorm: 5, checkpointEverySteps: 3, dropPath: 0.5, seed: 11 },
  checkpointPath: join(dir, 'checkpoint.bin'),
  resume,
  onStep: (s) => {
    appendFileSync(join(dir, 'log.jsonl'), JSON.stringify({ step: s.step, loss: s.loss, exitLosses: s.exitLosses }) + '\n');
    if (slowMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, slowMs);
  },
});
