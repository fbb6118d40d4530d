import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleFiles } from '../converters/bundle/write-bundle.ts';
import { latencyOf, profileChain } from './profiler.ts';
import { fakeRuntime } from './runtimes/fake-runtime.ts';
import { wireChain, type Chain } from './scheduler/chain.ts';
import { FakeClock } from './scheduler/clock.ts';
import { makePreprocessor, type Preprocessor } from './scheduler/preprocess.ts';
import { runAnytime } from './scheduler/run-anytime.ts';
import { fakeBundleContents } from './testing/fake-bundle.ts';

/** A 2-segment fake chain (segments cost 100 and 200 µs) and a preprocessor that takes `inputUs`. */
async function fakeChain(inputUs: number, costsUs: (k: number, call: number) => number = (k) => [100, 200][k]): Promise<{ chain: Chain; preprocess: Preprocessor; clock: FakeClock }> {
  const clock = new FakeClock();
  const runtime = fakeRuntime({ clock, costsUs, logits: () => [0, 1, 2] });
  const { manifest } = bundleFiles(fakeBundleContents({ segments: 2, classes: 3 }));
  const segments = await Promise.all(manifest.segments.map((s) => runtime.load(new Uint8Array(0), s)));
  const real = makePreprocessor(manifest.input);
  const preprocess: Preprocessor = { write: (data, shape, dst) => { clock.advance(inputUs); real.write(data, shape, dst); } };
  return { chain: wireChain(manifest, segments), preprocess, clock };
}

test('latencyOf: nearest-rank p50 and p99 of unsorted times', () => {
  const times = Array.from({ length: 200 }, (_, i) => (i * 73) % 200 + 1); // 1..200, shuffled
  assert.deepEqual(latencyOf(times), { p50Us: 100, p99Us: 198, runs: 200 });
});

test('profileChain: per-segment p50/p99 and the input overhead, warm-ups excluded', async () => {
  // Warm-ups (the first 3 calls of each segment) are 10× slower and must not show in the profile.
  const { chain, preprocess, clock } = await fakeChain(30, (k, call) => [100, 200][k] * (call < 3 ? 10 : 1));
  const p = await profileChain({ chain, preprocess }, { clock, warmups: 3, runs: 50, deviceName: 'bench' });
  assert.equal(p.device, 'bench');
  assert.deepEqual(p.segments, [{ p50Us: 100, p99Us: 100, runs: 50 }, { p50Us: 200, p99Us: 200, runs: 50 }]);
  assert.deepEqual(p.overhead?.input, { p50Us: 30, p99Us: 30, runs: 50 });
  assert.deepEqual(p.overhead?.answer, { p50Us: 0, p99Us: 0, runs: 50 });
});

test('runAnytime: the input phase counts in the elapsed time and in exit 1\'s cost', async () => {
  const { chain, preprocess, clock } = await fakeChain(30);
  const seen: number[][] = [];
  const base = { chain, preprocess, p99Us: [100, 200], inputP99Us: 30, answerP99Us: 5, safetyFactor: 1, clock, observeOverhead: (i: number, a: number) => seen.push([i, a]) };
  const request = (budgetUs: number) => ({ input: new Uint8Array(48), shape: [4, 4, 3], budgetUs, policy: 'deadline' as const });
  // After exit 0: 130 µs elapsed; exit 1 is predicted at 130 + 200 + 5 = 335.
  const stop = await runAnytime(base, request(334));
  assert.equal(stop.exitIndex, 0);
  assert.equal(stop.totalUs, 130);
  const go = await runAnytime(base, request(335));
  assert.equal(go.exitIndex, 1);
  assert.equal(go.totalUs, 330);
  assert.deepEqual(seen, [[30, 0], [30, 0]]);
  // Exit 1's cost: 30 + 100 + 5 = 135 µs.
  assert.equal((await runAnytime(base, request(134))).overBudget, true);
  assert.equal((await runAnytime(base, request(135))).overBudget, false);
});
