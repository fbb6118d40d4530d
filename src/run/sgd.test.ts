import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipByGlobalNorm, globalNorm, sgdStep } from './sgd.ts';
import { cosineLr } from './cosine-lr.ts';

test('sgdStep follows PyTorch SGD (momentum, weight decay) over two steps', () => {
  const w = Float32Array.from([1, -2]);
  const v = new Float32Array(2);
  const p = { lr: 0.1, momentum: 0.9, weightDecay: 0.01 };
  sgdStep(w, Float32Array.from([0.5, 0.25]), v, p);
  // g' = [0.51, 0.23]; v = g'; w = [1 - 0.051, -2 - 0.023]
  assert.ok(Math.abs(v[0] - 0.51) < 1e-6 && Math.abs(v[1] - 0.23) < 1e-6);
  assert.ok(Math.abs(w[0] - 0.949) < 1e-6 && Math.abs(w[1] + 2.023) < 1e-6);
  sgdStep(w, Float32Array.from([0.1, 0]), v, p);
  // g' = [0.1 + 0.00949, -0.02023]; v = 0.9 * v + g'
  const v0 = 0.9 * 0.51 + 0.10949, v1 = 0.9 * 0.23 - 0.02023;
  assert.ok(Math.abs(v[0] - v0) < 1e-6 && Math.abs(v[1] - v1) < 1e-6);
  assert.ok(Math.abs(w[0] - (0.949 - 0.1 * v0)) < 1e-6 && Math.abs(w[1] - (-2.023 - 0.1 * v1)) < 1e-6);
});

test('clipByGlobalNorm scales to the max norm and leaves small gradients alone', () => {
  const a = Float32Array.from([3]), b = Float32Array.from([4]);
  assert.equal(clipByGlobalNorm([a, b], 1), 5);
  assert.ok(Math.abs(globalNorm([a, b]) - 1) < 1e-5);
  assert.ok(Math.abs(a[0] - 0.6) < 1e-5 && Math.abs(b[0] - 0.8) < 1e-5);
  const c = Float32Array.from([0.3]);
  clipByGlobalNorm([c], 1);
  assert.equal(c[0], Float32Array.from([0.3])[0]);
});

test('cosineLr starts at lr0, ends at lrMin and passes the midpoint halfway', () => {
  assert.equal(cosineLr(0, 100, 0.05, 0.001), 0.05);
  assert.ok(Math.abs(cosineLr(100, 100, 0.05, 0.001) - 0.001) < 1e-12);
  assert.ok(Math.abs(cosineLr(50, 100, 0.05, 0.001) - 0.0255) < 1e-12);
  assert.ok(Math.abs(cosineLr(25, 100, 0.1, 0) - 0.05 * (1 + Math.SQRT1_2)) < 1e-12);
});
