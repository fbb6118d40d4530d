/**
 * The search loop resumes exactly: 3 steps, checkpoint, a fresh model resumed for 3 more steps ends where 6
 * uninterrupted steps end (weights, alphas, Adam moments and both data streams restored). Uses the small
 * synthetic one-edge graph, alpha steps from the first step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.ts';
import { buildTrainableGraph } from '../exec/trainable-graph.ts';
import { singleThread } from '../engine/single-thread.ts';
import { DARTS_ALPHA_ADAM } from './adam.ts';
import { searchLoop, type SearchLoopOptions } from './search-loop.ts';
import { syntheticEdgeGraph, syntheticEdgeSource } from './synthetic-edge-task.ts';

async function run(checkpointPath: string, resume: boolean, stopAtStep?: number) {
  const dp = singleThread(buildTrainableGraph({ graph: syntheticEdgeGraph(4, 3), exitWeights: [1] }));
  const o: SearchLoopOptions = {
    engine: dp, train: syntheticEdgeSource(8, 1, 3), val: syntheticEdgeSource(8, 2, 3), alphaNames: ['alpha/normal'],
    hyper: {
      epochs: 2, batchSize: 8, lr: 0.05, lrMin: 0.001, momentum: 0.9, weightDecay: 3e-4, gradClipNorm: 5,
      alpha: { ...DARTS_ALPHA_ADAM, lr: 1e-2 }, secondOrder: false, warmupEpochs: 0, checkpointEverySteps: 0,
    },
    checkpointPath, resume, stopAtStep,
  };
  const r = await searchLoop(o);
  const weights = new Map([...dp.model.variables].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  await dp.dispose();
  return { r, weights };
}

test('a search stopped after epoch 1 and resumed ends exactly where an uninterrupted one does', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'ranas-search-resume-'));
  try {
    const straight = await run(join(dir, 'a.bin'), false);
    const first = await run(join(dir, 'b.bin'), false, 3);
    assert.equal(first.r.steps, 3);
    const second = await run(join(dir, 'b.bin'), true);
    assert.equal(second.r.startStep, 3);
    assert.equal(second.r.steps, 6);
    for (const [n, w] of straight.weights) {
      const got = second.weights.get(n) ?? new Float32Array();
      const diff = Math.max(...w.map((v, i) => Math.abs(v - got[i])));
      assert.ok(diff <= 1e-6, `${n} differs by ${diff}`);
    }
    // Alphas moved (the test would pass trivially otherwise).
    const a = straight.weights.get('alpha/normal') ?? new Float32Array();
    assert.ok(Math.max(...a.map(Math.abs)) > 0.01);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
