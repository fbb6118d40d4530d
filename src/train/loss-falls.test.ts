import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.ts';
import { BatchIterator } from '../data/batch-iterator.ts';
import { syntheticDataset } from '../data/synthetic.ts';
import { buildTrainableGraph } from '../exec/trainable-graph.ts';
import { tinyGraph } from '../exec/tiny-graph.ts';
import { iteratorSource } from '../run/batch-source.ts';
import { singleThread } from '../engine/single-thread.ts';
import { trainLoop } from './train-loop.ts';

test('a tiny two-exit net trained on generated data for a few epochs: the loss of every exit falls', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'ranas-loss-falls-'));
  try {
    const graph = tinyGraph({ size: 8, width: 6, classes: 4, seed: 3 });
    const data = syntheticDataset({ count: 64, classes: 4, height: 8, width: 8, seed: 5 });
    const it = new BatchIterator(data, { batchSize: 16, seed: 7, augment: false });
    const engine = singleThread(buildTrainableGraph({ graph, exitWeights: [1, 1] }));
    const epochs: number[][] = [];
    await trainLoop({
      engine,
      source: iteratorSource(it),
      hyper: { epochs: 8, batchSize: 16, lr: 0.05, lrMin: 0, momentum: 0.9, weightDecay: 0, gradClipNorm: 5, checkpointEverySteps: 1000 },
      checkpointPath: join(dir, 'checkpoint.bin'),
      resume: false,
      onEpoch: (s) => { epochs.push(s.meanExitLosses); },
    });
    await engine.dispose();
    assert.equal(epochs.length, 8);
    const [first, last] = [epochs[0], epochs[epochs.length - 1]];
    for (let k = 0; k < first.length; k++) {
      assert.ok(last[k] < 0.8 * first[k], `exit ${k}: mean loss ${first[k].toFixed(4)} in epoch 1 → ${last[k].toFixed(4)} in epoch 8; expected a fall of over 20 %`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
