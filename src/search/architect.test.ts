import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../rng.ts';
import { firstOrderAlphaGrad, unrolledAlphaGrad } from './architect.ts';
import { mixtureLoss, mixtureOracle, type MixtureBatch } from './reference-mixture.ts';

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const rng = new Rng(7);
const K = 4;
const D = 3;
const batch = (n: number): MixtureBatch => {
  const x = Array.from({ length: n }, () => Array.from({ length: D }, () => rng.normal()));
  return { x, t: x.map((v) => Math.sin(2 * v[0]) - 0.5 * v[1] * v[2]) };
};
const train = batch(16);
const val = batch(16);
const w0 = Float64Array.from({ length: K * D }, () => rng.normal());
const a0 = Float64Array.from({ length: K }, () => 0.5 * rng.normal());
const v0 = Float64Array.from({ length: K * D }, () => 0.1 * rng.normal());
const p = { lr: 0.5, momentum: 0.9, weightDecay: 3e-3 };

/** F(α) = L_val(w − ξ(μv + ∇w L_train(w, α) + λw), α): what the unrolled hypergradient differentiates. */
function unrolledLoss(alpha: Float64Array): number {
  const g = mixtureLoss(w0, alpha, train).dw;
  const w1 = Float64Array.from(w0, (w, i) => w - p.lr * (p.momentum * v0[i] + g[i] + p.weightDecay * w));
  return mixtureLoss(w1, alpha, val).loss;
}

test('second-order hypergradient matches central differences of L_val(w − ξ∇w L_train(w, α), α) within 1e-3 relative (float64 reference)', async () => {
  const oracle = mixtureOracle({ w: w0, alpha: a0 });
  const hyper = await unrolledAlphaGrad(oracle, { weights: new Map([['w', w0]]), alphas: new Map([['alpha', a0]]), velocity: new Map([['w', v0]]) }, train, val, p);
  const h = 1e-5;
  const fd = Float64Array.from(a0, (_, j) => {
    const up = Float64Array.from(a0);
    const dn = Float64Array.from(a0);
    up[j] += h;
    dn[j] -= h;
    return (unrolledLoss(up) - unrolledLoss(dn)) / (2 * h);
  });
  const got = hyper.grads.get('alpha') ?? new Float64Array();
  const err = relErr(got, fd);
  assert.ok(err < 1e-3, `relative error ${err}`);
  console.log(`float64 reference: hypergradient relative error ${err.toExponential(2)}`);
  // The check has teeth: the first-order gradient misses the implicit term by far more than the tolerance.
  const first = (await firstOrderAlphaGrad(mixtureOracle({ w: w0, alpha: a0 }), ['alpha'], val)).grads.get('alpha') ?? new Float64Array();
  assert.ok(relErr(first, fd) > 10 * err && relErr(first, fd) > 1e-2, `first-order error ${relErr(first, fd)} should be large`);
});
