/**
 * The search picks the one primitive that can solve a task on its edge (`synthetic-edge-task.ts`: only
 * sep_conv_5x5 sees pixel pairs 7 columns apart; alone it drives the loss to ~0 in 20 steps, while
 * dil_conv_5x5 alone stays at ln 2 — measured with the same loop). Full search loop (first order), 20×20 images,
 * 80 weight-only warm-up steps then 40 bilevel steps.
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
import { deriveCellEdges, softmax, alphaRowsOf } from './derive-genotype.ts';
import { searchLoop } from './search-loop.ts';
import { syntheticEdgeGraph, syntheticEdgeSource } from './synthetic-edge-task.ts';


test('search selects sep_conv_5x5 on the edge where only it solves the task', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'ranas-synth-'));
  const dp = singleThread(buildTrainableGraph({ graph: syntheticEdgeGraph(8, 1), exitWeights: [1] }));
  try {
    const perEpoch = 10;
    const r = await searchLoop({
      engine: dp, train: syntheticEdgeSource(32, 1, perEpoch), val: syntheticEdgeSource(32, 2, perEpoch), alphaNames: ['alpha/normal'],
      hyper: {
        epochs: 12, batchSize: 32, lr: 0.1, lrMin: 0.001, momentum: 0.9, weightDecay: 3e-4, gradClipNorm: 5,
        // A larger alpha learning rate than DARTS's 3e-4 so a short run moves alpha well past its 1e-3 init.
        alpha: { ...DARTS_ALPHA_ADAM, lr: 3e-2 }, secondOrder: false,
        // Weights first (alphas at their 1e-3 init, every op weighted ≈ 1/8): the pair detector has to exist
        // before alpha can see that it helps; without warm-up none/skip rise first (they shrink the loss early).
        warmupEpochs: 8, checkpointEverySteps: 0,
      },
      checkpointPath: join(dir, 'checkpoint.bin'), resume: false,
      onEpoch: (e) => console.log(`epoch ${e.epoch + 1}: train ${e.meanTrainLoss.toFixed(3)} val ${e.meanValLoss.toFixed(3)}; softmax ${softmax([...(e.alphas.get('alpha/normal') ?? [])]).map((p) => p.toFixed(3)).join(' ')}`),
    });
    const alpha = alphaRowsOf(r.alphas.get('alpha/normal') ?? []);
    // A one-row alpha is not a cell; derive the op of row 0 the way derivation does (argmax non-none).
    const op = deriveCellEdges([alpha[0], alpha[0], alpha[0], alpha[0], alpha[0]])[0][0];
    assert.equal(op, 'sep_conv_5x5');
  } finally {
    await dp.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
