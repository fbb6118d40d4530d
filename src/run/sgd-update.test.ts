import assert from 'node:assert/strict';
import test from 'node:test';
import { sgdUpdate } from './sgd-update.ts';

test('sgdUpdate clips by global norm, then steps every weight; a missing gradient counts as zero', () => {
  const weights = new Map([['a', Float32Array.from([1, 1])], ['b', Float32Array.from([2])]]);
  const velocity = new Map([['a', new Float32Array(2)], ['b', new Float32Array(1)]]);
  // |(3, 4)| = 5, clipped to norm 1 → (0.6, 0.8) (scale 1 / (5 + 1e-6)); 'b' has no gradient.
  const norm = sgdUpdate(['a', 'b'], new Map([['a', Float32Array.from([3, 4])]]), weights, velocity, 0.5, {
    momentum: 0.9, weightDecay: 0, gradClipNorm: 1,
  });
  assert.equal(norm, 5);
  assert.ok(Math.abs(weights.get('a')![0] - (1 - 0.5 * 0.6)) < 1e-6);
  assert.ok(Math.abs(weights.get('a')![1] - (1 - 0.5 * 0.8)) < 1e-6);
  assert.equal(weights.get('b')![0], 2);
});

test('sgdUpdate without clipping returns the norm and leaves the gradient unscaled (weight decay applied)', () => {
  const weights = new Map([['w', Float32Array.from([1])]]);
  const velocity = new Map([['w', new Float32Array(1)]]);
  const norm = sgdUpdate(['w'], new Map([['w', Float32Array.from([10])]]), weights, velocity, 0.1, {
    momentum: 0.9, weightDecay: 0.5, gradClipNorm: 0,
  });
  assert.equal(norm, 10);
  // g' = 10 + 0.5 · 1 = 10.5; w = 1 − 0.1 · 10.5
  assert.ok(Math.abs(weights.get('w')![0] - (1 - 1.05)) < 1e-6);
  assert.ok(Math.abs(velocity.get('w')![0] - 10.5) < 1e-6);
});
