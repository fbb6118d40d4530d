/**
 * The search's speed-ups change no number: the supernet as the op table expands it, run with the textbook
 * mixedOp (`mixed-op-reference.ts`), against the supernet with repeated nodes merged (`mergeCommonNodes`), run
 * with the fast mixedOp (`mixed-op.ts`). Same weights; training-mode outputs of every exit, gradients of the
 * loss w.r.t. every weight and both alpha matrices, and the batch-norm running statistics after the pass (a
 * merged batch-norm's through the node kept in its place) agree within 1e-5 relative (‖a − b‖ / ‖b‖ per tensor). A small MS-RANAS (2 scales, a reduction layer, 3
 * exits) so normal and reduction cells, strided edges and factorized reduces all occur.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { relativeL2 } from '../engine/test-support.ts';
import { compositeMixedOp } from '../exec/mixed-op-reference.ts';
import { mixedOp } from '../exec/mixed-op.ts';
import { opExecutors } from '../exec/op-executors.ts';
import { buildTrainableGraph } from '../exec/trainable-graph.ts';
import type { ModelGraph } from '../ir/types.ts';
import { mergeCommonNodes } from '../model/merge-common-nodes.ts';
import { ALPHA_NAMES, buildMsRanasSupernet } from '../model/supernet.ts';
import { Rng } from '../rng.ts';
import { singleThread } from '../engine/single-thread.ts';
import { searchSupernetConfig } from './search-options.ts';

const TOL = 1e-5;
const BATCH = 4;
const SIDE = 16;


/** Exits, gradients of every variable and running statistics of one training pass. */
async function pass(graph: ModelGraph, mixed: typeof mixedOp) {
  const saved = opExecutors.mixedOp;
  opExecutors.mixedOp = mixed;
  try {
    const model = buildTrainableGraph({ graph, exitWeights: graph.exits.map(() => 1) });
    const dp = singleThread(model);
    const rng = new Rng(21);
    const x = Float32Array.from({ length: BATCH * SIDE * SIDE * 3 }, () => rng.normal());
    const shape: [number, number, number, number] = [BATCH, SIDE, SIDE, 3];
    const exits = tf.tidy(() => model.program.forward(tf.tensor4d(x, shape), { training: true }).exits.map((e) => e.dataSync()));
    const g = await dp.gradients(x, shape, Int32Array.from([0, 1, 2, 3]), [...model.variables.keys()]);
    const buffers = new Map([...model.buffers].map(([n, v]) => [n, v.dataSync()]));
    await dp.dispose();
    return { exits, grads: g.grads, loss: g.total, buffers };
  } finally {
    opExecutors.mixedOp = saved;
  }
}

test('merged supernet + fast mixedOp = supernet as expanded + textbook mixedOp (outputs, all gradients, BN stats)', async () => {
  await initEngine();
  const config = { ...searchSupernetConfig({ preset: 'tiny', nodes: 2, searchExits: true, seed: 3 }), initChannels: 4, inputShape: [SIDE, SIDE, 3] as [number, number, number] };
  const raw = buildMsRanasSupernet(config, { mergeCommon: false });
  const merged = buildMsRanasSupernet(config);
  assert.ok(merged.nodes.length < raw.nodes.length - 100, `merged ${merged.nodes.length} nodes, raw ${raw.nodes.length}`);
  // Alphas away from the near-uniform init so every primitive's weight differs.
  const rng = new Rng(9);
  for (const name of Object.values(ALPHA_NAMES)) {
    const a = Float32Array.from(raw.weights[name].data, () => rng.normal());
    raw.weights[name] = { ...raw.weights[name], data: a };
    merged.weights[name] = { ...merged.weights[name], data: Float32Array.from(a) };
  }
  // Same trainable weights, same values; the merged graph only lacks the dropped batch-norms' buffers.
  const trainable = (g: ModelGraph) => Object.keys(g.weights).filter((n) => g.weights[n].trainable).sort();
  assert.deepEqual(trainable(merged), trainable(raw));
  for (const [name, w] of Object.entries(merged.weights)) assert.deepEqual(w.data, raw.weights[name].data, name);
  const want = await pass(raw, compositeMixedOp);
  const got = await pass(merged, mixedOp);
  assert.equal(got.exits.length, 3);
  got.exits.forEach((e, i) => assert.ok(relativeL2(e, want.exits[i]) <= TOL, `exit ${i}: ${relativeL2(e, want.exits[i])}`));
  assert.ok(Math.abs(got.loss - want.loss) <= TOL * Math.abs(want.loss), `loss ${got.loss} vs ${want.loss}`);
  let worst = { name: '', err: 0 };
  for (const [name, g] of want.grads) {
    const e = relativeL2(got.grads.get(name) ?? [], g);
    if (e > worst.err) worst = { name, err: e };
  }
  console.log(`${want.grads.size} gradients, worst relative error ${worst.err.toExponential(2)} (${worst.name}); ${raw.nodes.length} → ${merged.nodes.length} nodes`);
  assert.ok(worst.err <= TOL, `gradient of ${worst.name}: relative error ${worst.err}`);
  for (const name of Object.values(ALPHA_NAMES)) assert.ok((want.grads.get(name) ?? []).some((v) => v !== 0), `${name} has a gradient`);
  // A merged batch-norm's buffers are gone; the kept node's must equal the dropped node's of the raw graph.
  const { replaced } = mergeCommonNodes(raw);
  const rawNode = new Map(raw.nodes.map((n) => [n.name, n]));
  const keptBuffer = new Map<string, string>();
  for (const [dropped, kept] of replaced) {
    const d = rawNode.get(dropped);
    const k = rawNode.get(kept);
    if (d?.op !== 'batchNorm' || k?.op !== 'batchNorm') continue;
    for (const role of ['movingMean', 'movingVariance'] as const) {
      const from = d.weights[role];
      const to = k.weights[role];
      if (from && to) keptBuffer.set(from, to);
    }
  }
  assert.ok(keptBuffer.size > 0, 'some batch-norms were merged');
  assert.equal(got.buffers.size + keptBuffer.size, want.buffers.size);
  for (const [name, b] of want.buffers) {
    const other = got.buffers.get(keptBuffer.get(name) ?? name);
    assert.ok(other && relativeL2(other, b) <= TOL, `buffer ${name}`);
  }
});
