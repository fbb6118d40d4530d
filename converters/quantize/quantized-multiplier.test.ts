import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  frexp, multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierRuy, quantizeMultiplier, roundingDivideByPOT, saturatingRoundingDoublingHighMul,
} from './quantized-multiplier.ts';

/** Straight BigInt transcription of gemmlowp's definition, to check the float64 split arithmetic. */
function srdhmBig(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, like C++
}

function rdbpotBig(x: number, e: number): number {
  const mask = (1n << BigInt(e)) - 1n;
  const bx = BigInt(x);
  const remainder = bx & mask;
  const threshold = (mask >> 1n) + (bx < 0n ? 1n : 0n);
  return Number((bx >> BigInt(e)) + (remainder > threshold ? 1n : 0n));
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
}

test('saturatingRoundingDoublingHighMul equals the 64-bit definition on random and edge int32 pairs', () => {
  const next = lcg(7);
  const edges = [0, 1, -1, 2147483647, -2147483648, 1073741824, -1073741824, 1073741823, 65535, -65536, 32768];
  const pairs: [number, number][] = [];
  for (const a of edges) for (const b of edges) pairs.push([a, b]);
  for (let i = 0; i < 20000; i++) {
    const a = next() | 0;
    const small = (next() | 0) >> (next() % 31);
    pairs.push([a, next() | 0], [small, 1073741824 + (next() % 1073741824)]);
  }
  for (const [a, b] of pairs) assert.equal(saturatingRoundingDoublingHighMul(a, b), srdhmBig(a, b), `a=${a} b=${b}`);
});

test('roundingDivideByPOT equals the definition, ties away from zero', () => {
  assert.equal(roundingDivideByPOT(5, 1), 3);
  assert.equal(roundingDivideByPOT(-5, 1), -3);
  assert.equal(roundingDivideByPOT(-6, 2), -2); // -1.5 → -2
  assert.equal(roundingDivideByPOT(6, 2), 2); // 1.5 → 2
  const next = lcg(3);
  for (let i = 0; i < 20000; i++) {
    const x = next() | 0;
    const e = next() % 32;
    assert.equal(roundingDivideByPOT(x, e), rdbpotBig(x, e), `x=${x} e=${e}`);
  }
});

test('quantizeMultiplier gives TFLite multipliers and shifts', () => {
  assert.deepEqual(quantizeMultiplier(1), { multiplier: 1073741824, shift: 1 });
  assert.deepEqual(quantizeMultiplier(0.5), { multiplier: 1073741824, shift: 0 });
  assert.deepEqual(quantizeMultiplier(0.75), { multiplier: 1610612736, shift: 0 });
  assert.deepEqual(quantizeMultiplier(0), { multiplier: 0, shift: 0 });
  assert.deepEqual(quantizeMultiplier(1e-12), { multiplier: 0, shift: 0 }); // flushed like TFLite
  // fraction rounding up to 1.0 moves to the next exponent
  assert.deepEqual(quantizeMultiplier(1 - 2 ** -40), { multiplier: 1073741824, shift: 1 });
  for (const m of [0.0003, 0.0123, 0.37, 1.7, 3.3, 100]) {
    const q = quantizeMultiplier(m);
    assert.ok(q.multiplier >= 2 ** 30 && q.multiplier < 2 ** 31);
    assert.ok(Math.abs(q.multiplier * 2 ** (q.shift - 31) - m) <= m * 2 ** -30, `m=${m}`);
    const f = frexp(m);
    assert.equal(f.fraction * 2 ** f.exponent, m);
  }
});

test('multiplyByQuantizedMultiplier rescales within half a unit plus the double-rounding step', () => {
  const next = lcg(11);
  for (const m of [0.00071, 0.013, 0.25, 0.9, 1.0, 2.5]) {
    const q = quantizeMultiplier(m);
    for (let i = 0; i < 2000; i++) {
      const x = ((next() | 0) >> 12);
      const y = multiplyByQuantizedMultiplier(x, q.multiplier, q.shift);
      assert.ok(Math.abs(y - x * m) <= 1 + Math.abs(x * m) * 2 ** -29, `x=${x} m=${m} y=${y}`);
    }
  }
  // multiplier 1.0 is the identity
  const one = quantizeMultiplier(1);
  for (const x of [-128, -1, 0, 1, 77, 127, 123456]) assert.equal(multiplyByQuantizedMultiplier(x, one.multiplier, one.shift), x);
});

test('ruy rescale: ties go up, otherwise equal to the reference rescale', () => {
  const next = lcg(5);
  let differ = 0;
  for (let i = 0; i < 50000; i++) {
    const x = ((next() | 0) >> (next() % 16));
    const m = 1073741824 + (next() % 1073741824);
    const shift = -(next() % 12);
    const ruy = multiplyByQuantizedMultiplierRuy(x, m, shift);
    // exact: floor(floor((x*m + 2^30) / 2^31) + 2^(s-1)) / 2^s) in BigInt
    const high = (BigInt(x) * BigInt(m) + (1n << 30n)) >> 31n;
    const want = shift === 0 ? high : (high + (1n << BigInt(-shift - 1))) >> BigInt(-shift);
    assert.equal(ruy, Number(want), `x=${x} m=${m} shift=${shift}`);
    const ref = multiplyByQuantizedMultiplier(x, m, shift);
    if (ruy !== ref) { differ++; assert.equal(ruy, ref + 1); assert.ok(x < 0); }
  }
  assert.ok(differ > 0, "some negative ties occur");
  // -3 * 0.5 = -1.5 → both round the high multiply up to -1; then -1 / 2 = -0.5: ruy 0, reference -1
  assert.equal(multiplyByQuantizedMultiplierRuy(-3, 1073741824, -1), 0);
  assert.equal(multiplyByQuantizedMultiplier(-3, 1073741824, -1), -1);
});
