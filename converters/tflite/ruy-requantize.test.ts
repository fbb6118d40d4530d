import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multiplyByQuantizedMultiplier } from '../quantize/quantized-multiplier.ts';
import { globalAvgPoolInt8, roundHalfUpHighMul, ruyMultiplyByQuantizedMultiplier } from './ruy-requantize.ts';
import { seededUniform } from './testing/tiny-graphs.ts';

test('roundHalfUpHighMul equals floor((a·b + 2^30) / 2^31) computed in BigInt', () => {
  const rand = seededUniform(4);
  for (let i = 0; i < 20000; i++) {
    const a = Math.trunc(rand() * 2 ** 31) | 0;
    const b = 2 ** 30 + Math.floor(Math.abs(rand()) * 2 ** 30);
    const want = Number((BigInt(a) * BigInt(b) + (1n << 30n)) >> 31n);
    assert.equal(roundHalfUpHighMul(a, b), want, `${a} * ${b}`);
  }
});

test('ruy rounding sends a negative tie up where the reference sends it away from zero', () => {
  // -512 · 0.5 · 2^-9 = -0.5 exactly: ruy gives 0, the reference -1; +0.5 gives 1 in both.
  assert.equal(ruyMultiplyByQuantizedMultiplier(-512, 2 ** 30, -9), 0);
  assert.equal(multiplyByQuantizedMultiplier(-512, 2 ** 30, -9), -1);
  assert.equal(ruyMultiplyByQuantizedMultiplier(512, 2 ** 30, -9), 1);
  assert.equal(multiplyByQuantizedMultiplier(512, 2 ** 30, -9), 1);
  // Elsewhere the two agree; on ties they differ by one, only for negative values.
  const rand = seededUniform(8);
  for (let i = 0; i < 20000; i++) {
    const x = Math.trunc(rand() * 2 ** 20);
    const m = 2 ** 30 + Math.floor(Math.abs(rand()) * 2 ** 30);
    const shift = -Math.floor(Math.abs(rand()) * 12);
    const d = ruyMultiplyByQuantizedMultiplier(x, m, shift) - multiplyByQuantizedMultiplier(x, m, shift);
    assert.ok(d === 0 || (d === 1 && x < 0), `x=${x} m=${m} shift=${shift}: ${d}`);
  }
});

test('globalAvgPoolInt8 rounds the raw sum half away from zero, then requantises', () => {
  // [1, 2, 1]: values 3 and 4 → 3.5 → 4; -3 and -4 → -4.
  const q = { scale: 0.1, zeroPoint: 10 };
  assert.deepEqual(Array.from(globalAvgPoolInt8(Int8Array.from([3, 4]), [1, 2, 1], q, q)), [4]);
  assert.deepEqual(Array.from(globalAvgPoolInt8(Int8Array.from([-3, -4]), [1, 2, 1], q, q)), [-4]);
  // Requantise 4 at (0.1, 10) → real -0.6 → at (0.05, -3): -12 - 3 = -15.
  assert.deepEqual(Array.from(globalAvgPoolInt8(Int8Array.from([3, 4]), [1, 2, 1], q, { scale: 0.05, zeroPoint: -3 })), [-15]);
});
