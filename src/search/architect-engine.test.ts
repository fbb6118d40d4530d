/**
 * The architecture step on the tfjs engine (float32) against central finite differences, on a tiny supernet
 * (1 scale, 2 layers, C = 4, 2-node cells, 8×8 input, 3 classes, batch 4). Training-mode batch-norm uses
 * batch statistics, so the loss is a deterministic function of (w, α) on a fixed batch.
 *
 * Tolerances (measured, not derived): central differences with h = 1e-2 on α in float32, through ReLU and
 * max-pool kinks, agree with the analytic first-order gradient to 2.3e-3 relative on the tensorflow backend
 * and 2.5e-2 on wasm (asserted < 5e-2); the second-order hypergradient (itself a finite-difference
 * Hessian-vector product; differencing a gradient across kinks) to ≈ 1.4e-1–1.7e-1 on both (asserted < 3e-1;
 * the first-order gradient is ≈ 2.3e-1 away). The 1e-3 check of the hypergradient formula runs in float64 on
 * a reference model in `architect.test.ts` (measured 3.8e-7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../engine/backend.ts';
import { buildTrainableGraph } from '../exec/trainable-graph.ts';
import { buildMsRanasSupernet } from '../model/supernet.ts';
import { Rng } from '../rng.ts';
import type { Batch } from '../run/batch-source.ts';
import { singleThread } from '../engine/single-thread.ts';
import { firstOrderAlphaGrad, unrolledAlphaGrad } from './architect.ts';
import { engineOracle } from './engine-oracle.ts';

const ALPHA = 'alpha/normal';
/** Alpha entries checked by differences (rows 0–2 of 5, every primitive) to keep the test short. */
const CHECKED = 24;

async function setup() {
  await initEngine();
  const graph = buildMsRanasSupernet({
    scales: 1, layers: 2, initChannels: 4, nodes: 2, reductionLayers: [], exitLayers: [2], growth: [1], numClasses: 3,
    inputShape: [8, 8, 3], seed: 3, head: { kind: 'linear', channels: 8 }, bottleneckWidth: null,
  });
  // Larger alphas than the 1e-3 init so the softmax is away from uniform and the gradients are not tiny.
  const rng = new Rng(5);
  const alpha = graph.weights[ALPHA];
  alpha.data = Float32Array.from(alpha.data, () => rng.normal());
  const dp = singleThread(buildTrainableGraph({ graph, exitWeights: [1] }));
  const mk = (seed: number): Batch => {
    const r = new Rng(seed);
    return { x: Float32Array.from({ length: 4 * 8 * 8 * 3 }, () => r.normal()), shape: [4, 8, 8, 3], labels: Int32Array.from([0, 1, 2, 1]), epoch: 0, index: 0 };
  };
  const weightNames = [...dp.model.variables.keys()].filter((n) => n !== ALPHA && !n.startsWith('alpha/'));
  const snapshot = (names: string[]) => new Map(names.map((n) => [n, new Float32Array(dp.model.variables.get(n)?.dataSync() ?? [])]));
  return { dp, oracle: engineOracle(dp), train: mk(11), val: mk(12), weightNames, snapshot };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

test('first-order alpha gradient on the engine matches central differences (float32, h = 1e-2)', async () => {
  const { dp, oracle, val, snapshot } = await setup();
  const a0 = snapshot([ALPHA]).get(ALPHA) ?? new Float32Array();
  const got = (await firstOrderAlphaGrad(oracle, [ALPHA], val)).grads.get(ALPHA) ?? new Float32Array();
  const h = 1e-2;
  const lossAt = async (a: Float32Array) => (await oracle.gradients(new Map([[ALPHA, a]]), val, [ALPHA])).loss;
  const fd = new Float64Array(CHECKED);
  for (let i = 0; i < CHECKED; i++) {
    const up = Float32Array.from(a0);
    const dn = Float32Array.from(a0);
    up[i] += h;
    dn[i] -= h;
    fd[i] = ((await lossAt(up)) - (await lossAt(dn))) / (2 * h);
  }
  const err = relErr(got.slice(0, CHECKED), fd);
  console.log(`engine first-order: relative error ${err.toExponential(2)}, |grad| ${Math.hypot(...got).toExponential(2)}`);
  assert.ok(err < 5e-2, `relative error ${err}`);
  await dp.dispose();
});

test('second-order hypergradient on the engine vs differences of the unrolled validation loss (float32)', async () => {
  const { dp, oracle, train, val, weightNames, snapshot } = await setup();
  const w0 = snapshot(weightNames);
  const a0 = snapshot([ALPHA]).get(ALPHA) ?? new Float32Array();
  const velocity = new Map(weightNames.map((n) => [n, new Float32Array(w0.get(n)?.length ?? 0)]));
  const p = { lr: 0.1, momentum: 0.9, weightDecay: 3e-4 };
  const hyper = await unrolledAlphaGrad(oracle, { weights: w0, alphas: new Map([[ALPHA, a0]]), velocity }, train, val, p);
  const got = hyper.grads.get(ALPHA) ?? new Float64Array();
  const unrolledLoss = async (a: Float32Array) => {
    const g = await oracle.gradients(new Map([...w0, [ALPHA, a]]), train, weightNames);
    const w1 = new Map(weightNames.map((n) => {
      const w = w0.get(n) ?? new Float32Array();
      const gn = g.grads.get(n) ?? new Float32Array();
      return [n, Float64Array.from(w, (wi, i) => wi - p.lr * (gn[i] + p.weightDecay * wi))];
    }));
    return (await oracle.gradients(w1, val, [ALPHA])).loss;
  };
  const h = 1e-2;
  const fd = new Float64Array(CHECKED);
  for (let i = 0; i < CHECKED; i++) {
    const up = Float32Array.from(a0);
    const dn = Float32Array.from(a0);
    up[i] += h;
    dn[i] -= h;
    fd[i] = ((await unrolledLoss(up)) - (await unrolledLoss(dn))) / (2 * h);
  }
  const err = relErr(got.slice(0, CHECKED), fd);
  const first = (await firstOrderAlphaGrad(oracle, [ALPHA], val)).grads.get(ALPHA) ?? new Float32Array();
  console.log(`engine second-order: relative error ${err.toExponential(2)} (first-order gradient differs from it by ${relErr(first.slice(0, CHECKED), fd).toExponential(2)}), epsilon ${hyper.epsilon.toExponential(2)}`);
  assert.ok(err < 3e-1, `relative error ${err}`);
  await dp.dispose();
});
