// Each op's forward against a plain-JS reference on tiny shapes; batch-norm train/eval semantics by hand.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../engine/tf.ts';
import { initEngine } from '../engine/backend.ts';
import { executeNode, type ExecContext } from './op-executors.ts';
import type { IrNode } from '../ir/types.ts';

before(async () => { await initEngine(); });

const TOL = 1e-4;

function seq(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => { s = (s * 16807) % 2147483647; return (s / 2147483647) * 2 - 1; });
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

function ctxOf(weights: Record<string, tf.Tensor>, training = false, assigned: Record<string, Float32Array> = {}): ExecContext {
  return {
    training,
    weight: (n) => weights[n],
    assignBuffer: (n, v) => { assigned[n] = new Float32Array(v.dataSync()); },
    holdUntilNextStep: () => {},
    constant: (kind, n) => (kind === 'ones' ? tf.ones([n]) : tf.zeros([n])),
  };
}

/** NHWC index. */
const at = (h: number, w: number, c: number, W: number, C: number, n = 0, H = 0) => ((n * H + h) * W + w) * C + c;

/** Reference conv with TF 'same' padding (extra on bottom/right), dilation, groups = depthwise when dw. */
function refConv(x: Float32Array, [H, W, C]: number[], f: Float32Array, [kh, kw]: number[], cout: number, stride: number, dil: number, dw: boolean) {
  const oh = Math.ceil(H / stride), ow = Math.ceil(W / stride);
  const ekh = (kh - 1) * dil + 1, ekw = (kw - 1) * dil + 1;
  const padT = Math.floor(Math.max((oh - 1) * stride + ekh - H, 0) / 2);
  const padL = Math.floor(Math.max((ow - 1) * stride + ekw - W, 0) / 2);
  const out = new Float32Array(oh * ow * cout);
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < cout; o++) {
    let s = 0;
    for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
      const y = i * stride + a * dil - padT, xx = j * stride + b * dil - padL;
      if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
      if (dw) s += x[at(y, xx, o, W, C)] * f[(a * kw + b) * C + o];
      else for (let c = 0; c < C; c++) s += x[at(y, xx, c, W, C)] * f[((a * kw + b) * C + c) * cout + o];
    }
    out[(i * ow + j) * cout + o] = s;
  }
  return out;
}

function refPool(x: Float32Array, [H, W, C]: number[], k: number, stride: number, kind: 'max' | 'avg') {
  const oh = Math.ceil(H / stride), ow = Math.ceil(W / stride);
  const padT = Math.floor(Math.max((oh - 1) * stride + k - H, 0) / 2);
  const padL = Math.floor(Math.max((ow - 1) * stride + k - W, 0) / 2);
  const out = new Float32Array(oh * ow * C);
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let c = 0; c < C; c++) {
    let m = -Infinity, s = 0, n = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
      const y = i * stride + a - padT, xx = j * stride + b - padL;
      if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
      const v = x[at(y, xx, c, W, C)];
      m = Math.max(m, v); s += v; n++;
    }
    out[(i * ow + j) * C + c] = kind === 'max' ? m : s / n;
  }
  return out;
}

function run(node: IrNode, inputs: tf.Tensor[], ctx: ExecContext): Float32Array {
  return tf.tidy(() => new Float32Array(executeNode(node, inputs, ctx).dataSync()));
}

test('conv2d (stride 2, dilation 1, bias, relu) matches the reference', () => {
  const shape = [5, 5, 2];
  const x = seq(50, 3), f = seq(3 * 3 * 2 * 3, 5), bias = Float32Array.from([0.1, -0.2, 0.05]);
  const node: IrNode = { name: 'c', op: 'conv2d', inputs: ['x'], weights: { filter: 'f', bias: 'b' },
    attrs: { kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'same', filters: 3, activation: 'relu' } };
  const got = run(node, [tf.tensor4d(x, [1, 5, 5, 2])], ctxOf({ f: tf.tensor4d(f, [3, 3, 2, 3]), b: tf.tensor1d(bias) }));
  const ref = refConv(x, shape, f, [3, 3], 3, 2, 1, false).map((v, i) => Math.max(0, v + bias[i % 3]));
  close(got, ref);
});

test('conv2d with dilation 2 matches the reference', () => {
  const x = seq(6 * 6 * 2, 7), f = seq(3 * 3 * 2 * 2, 9);
  const node: IrNode = { name: 'c', op: 'conv2d', inputs: ['x'], weights: { filter: 'f' },
    attrs: { kernel: [3, 3], strides: [1, 1], dilation: [2, 2], padding: 'same', filters: 2, activation: 'none' } };
  const got = run(node, [tf.tensor4d(x, [1, 6, 6, 2])], ctxOf({ f: tf.tensor4d(f, [3, 3, 2, 2]) }));
  close(got, refConv(x, [6, 6, 2], f, [3, 3], 2, 1, 2, false));
});

test('depthwiseConv2d (dilation 2) matches the reference', () => {
  const x = seq(6 * 6 * 3, 11), f = seq(3 * 3 * 3, 13);
  const node: IrNode = { name: 'd', op: 'depthwiseConv2d', inputs: ['x'], weights: { filter: 'f' },
    attrs: { kernel: [3, 3], strides: [1, 1], dilation: [2, 2], padding: 'same', activation: 'none' } };
  const got = run(node, [tf.tensor4d(x, [1, 6, 6, 3])], ctxOf({ f: tf.tensor4d(f, [3, 3, 3, 1]) }));
  close(got, refConv(x, [6, 6, 3], f, [3, 3], 3, 1, 2, true));
});

test('depthwiseConv2d (stride 2, 5x5) matches the reference', () => {
  const x = seq(7 * 7 * 2, 17), f = seq(5 * 5 * 2, 19);
  const node: IrNode = { name: 'd', op: 'depthwiseConv2d', inputs: ['x'], weights: { filter: 'f' },
    attrs: { kernel: [5, 5], strides: [2, 2], dilation: [1, 1], padding: 'same', activation: 'none' } };
  const got = run(node, [tf.tensor4d(x, [1, 7, 7, 2])], ctxOf({ f: tf.tensor4d(f, [5, 5, 2, 1]) }));
  close(got, refConv(x, [7, 7, 2], f, [5, 5], 2, 2, 1, true));
});

test('maxPool and avgPool (same padding, padded cells not counted) match the reference', () => {
  const x = seq(5 * 5 * 2, 23);
  for (const [op, kind] of [['maxPool', 'max'], ['avgPool', 'avg']] as const) {
    for (const stride of [1, 2]) {
      const node: IrNode = { name: 'p', op, inputs: ['x'], weights: {}, attrs: { kernel: [3, 3], strides: [stride, stride], padding: 'same' } };
      close(run(node, [tf.tensor4d(x, [1, 5, 5, 2])], ctxOf({})), refPool(x, [5, 5, 2], 3, stride, kind));
    }
  }
});

test('relu, add (fused relu), concat, globalAvgPool and dense match the reference', () => {
  const a = seq(2 * 2 * 2, 29), b = seq(2 * 2 * 2, 31);
  const ta = tf.tensor4d(a, [1, 2, 2, 2]), tb = tf.tensor4d(b, [1, 2, 2, 2]);
  close(run({ name: 'r', op: 'relu', inputs: ['a'], attrs: {}, weights: {} }, [ta], ctxOf({})), a.map((v) => Math.max(0, v)));
  close(run({ name: 's', op: 'add', inputs: ['a', 'b'], attrs: { activation: 'relu' }, weights: {} }, [ta, tb], ctxOf({})),
    a.map((v, i) => Math.max(0, v + b[i])));
  const cat = run({ name: 'c', op: 'concat', inputs: ['a', 'b'], attrs: {}, weights: {} }, [ta, tb], ctxOf({}));
  const refCat: number[] = [];
  for (let p = 0; p < 4; p++) refCat.push(a[2 * p], a[2 * p + 1], b[2 * p], b[2 * p + 1]);
  close(cat, refCat);
  const gap = run({ name: 'g', op: 'globalAvgPool', inputs: ['a'], attrs: {}, weights: {} }, [ta], ctxOf({}));
  close(gap, [0, 1].map((c) => (a[c] + a[2 + c] + a[4 + c] + a[6 + c]) / 4));
  const k = seq(2 * 3, 37), bias = Float32Array.from([1, 2, 3]);
  const v = Float32Array.from([0.5, -1.5]);
  const dense = run({ name: 'd', op: 'dense', inputs: ['v'], attrs: { units: 3, activation: 'none' }, weights: { kernel: 'k', bias: 'b' } },
    [tf.tensor2d(v, [1, 2])], ctxOf({ k: tf.tensor2d(k, [2, 3]), b: tf.tensor1d(bias) }));
  close(dense, [0, 1, 2].map((j) => v[0] * k[j] + v[1] * k[3 + j] + bias[j]));
});

test('mixedOp = softmax(alpha[row]) over all K primitives, none left out of the sum', () => {
  const a = seq(4, 41), b = seq(4, 43);
  const alpha = Float32Array.from([9, 9, 9, 0.5, -1, 2]); // row 1 = [0.5, -1, 2]
  const node: IrNode = { name: 'm', op: 'mixedOp', inputs: ['a', 'b'], weights: {},
    attrs: { alpha: 'alpha/x', row: 1, primitives: ['none', 'skip_connect', 'avg_pool_3x3'] } };
  const got = run(node, [tf.tensor4d(a, [1, 2, 2, 1]), tf.tensor4d(b, [1, 2, 2, 1])], ctxOf({ 'alpha/x': tf.tensor2d(alpha, [2, 3]) }));
  const e = [Math.exp(0.5), Math.exp(-1), Math.exp(2)];
  const z = e[0] + e[1] + e[2];
  close(got, a.map((v, i) => (e[1] / z) * v + (e[2] / z) * b[i]));
});

test('batchNorm training: biased batch variance normalises, unbiased updates the running variance', () => {
  // One channel, 2 images x 2 pixels: values 1, 2, 3, 6.
  const xs = [1, 2, 3, 6];
  const mean = 3, biasedVar = (4 + 1 + 0 + 9) / 4, unbiasedVar = 14 / 3;
  const gamma = 2, beta = 0.5, eps = 1e-3, m = 0.9;
  const node: IrNode = { name: 'bn', op: 'batchNorm', inputs: ['x'], attrs: { epsilon: eps, momentum: m, affine: true },
    weights: { gamma: 'g', beta: 'b', movingMean: 'mm', movingVariance: 'mv' } };
  const w = { g: tf.tensor1d([gamma]), b: tf.tensor1d([beta]), mm: tf.tensor1d([0.25]), mv: tf.tensor1d([2]) };
  const assigned: Record<string, Float32Array> = {};
  const got = run(node, [tf.tensor4d(xs, [2, 1, 2, 1])], ctxOf(w, true, assigned));
  close(got, xs.map((v) => (gamma * (v - mean)) / Math.sqrt(biasedVar + eps) + beta));
  close(assigned.mm, [m * 0.25 + (1 - m) * mean], 1e-6);
  close(assigned.mv, [m * 2 + (1 - m) * unbiasedVar], 1e-5);

  const evalAssigned: Record<string, Float32Array> = {};
  const evalOut = run(node, [tf.tensor4d(xs, [2, 1, 2, 1])], ctxOf(w, false, evalAssigned));
  close(evalOut, xs.map((v) => (gamma * (v - 0.25)) / Math.sqrt(2 + eps) + beta));
  assert.deepEqual(Object.keys(evalAssigned), [], 'eval mode must not touch running statistics');
});
