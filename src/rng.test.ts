import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, mixSeed, parseRngState } from './rng.ts';
import { isRanasError } from './errors.ts';

test('xoshiro128** matches the reference C implementation from state {1,2,3,4}', () => {
  // Expected values: rand_xoshiro's test vector, produced with Vigna's xoshiro128starstar.c v1.1.
  const r = Rng.fromState({ kind: 'xoshiro128**', s: [1, 2, 3, 4] });
  const got = Array.from({ length: 10 }, () => r.nextU32());
  assert.deepEqual(got, [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
});

test('same seed, same sequence; state() / fromState() resumes exactly (through JSON)', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  for (let i = 0; i < 50; i++) assert.equal(a.nextU32(), b.nextU32());
  const saved = JSON.parse(JSON.stringify(a.state()));
  const expected = Array.from({ length: 20 }, () => a.normal());
  const c = Rng.fromState(saved);
  assert.deepEqual(Array.from({ length: 20 }, () => c.normal()), expected);
  assert.notEqual(new Rng(43).nextU32(), new Rng(42).nextU32());
});

test('int(n) is in range and roughly uniform; nextFloat in [0,1)', () => {
  const r = new Rng(7);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) counts[r.int(10)]++;
  // each bucket expects 10,000; 5 sigma ≈ 475
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `bucket count ${c}`);
  for (let i = 0; i < 1000; i++) {
    const f = r.nextFloat();
    assert.ok(f >= 0 && f < 1);
  }
  assert.throws(() => r.int(0), (e) => isRanasError(e, 'E_RNG_RANGE'));
});

test('normal() has mean ≈ 0 and std ≈ 1 (n = 200k, tolerance 0.01)', () => {
  const r = new Rng(3);
  let s = 0;
  let s2 = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(s2 / n - mean * mean) - 1) < 0.01);
});

test('permutation is a permutation; mixSeed separates streams', () => {
  const p = new Rng(1).permutation(1000);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.notEqual(mixSeed(1, 0), mixSeed(1, 1));
  assert.equal(mixSeed(5, 2, 3), mixSeed(5, 2, 3));
});

test('parseRngState rejects malformed states', () => {
  for (const bad of [null, {}, { kind: 'pcg', s: [1, 2, 3, 4] }, { kind: 'xoshiro128**', s: [1, 2, 3] }, { kind: 'xoshiro128**', s: [0, 0, 0, 0] }, { kind: 'xoshiro128**', s: [1, 2, 3, -1] }]) {
    assert.throws(() => parseRngState(bad), (e) => isRanasError(e, 'E_RNG_STATE'));
  }
});
