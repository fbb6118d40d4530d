import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../../src/errors.ts';
import { bundleFiles } from '../../converters/bundle/write-bundle.ts';
import { createAgent, type Agent } from '../agent.ts';
import { fakeRuntime } from '../runtimes/fake-runtime.ts';
import { FakeStore } from '../store/fake-store.ts';
import { fakeBundleContents } from '../testing/fake-bundle.ts';
import { FakeClock } from './clock.ts';
import type { AnytimeRequest } from './run-anytime.ts';

const COSTS_US = [100, 200, 300];
/** Exit 0 is confident (softmax ≈ 0.98 on class 1); exits 1 and 2 are not (≈ 0.58 on class 2). */
const LOGITS = [[0, 5, 1], [0, 0.5, 1], [1, 0, 2]];

async function setup(over: { safetyFactor?: number; costsUs?: number[]; readoutUs?: number } = {}) {
  const clock = new FakeClock();
  const runtime = fakeRuntime({ clock, costsUs: over.costsUs ?? COSTS_US, logits: (k) => LOGITS[k], readoutUs: over.readoutUs });
  const { manifest, files } = bundleFiles(fakeBundleContents({ segments: 3, classes: 3 }));
  const store = new FakeStore().add('b', manifest, files);
  const agent = await createAgent({ bundleDir: '/nonexistent', store, runtime, clock, safetyFactor: over.safetyFactor ?? 1.1, profile: { warmups: 2, runs: 10 }, deviceName: 'test-device' });
  await agent.install('b');
  return { agent, clock, runtime, store };
}

const image = new Uint8Array(4 * 4 * 3).fill(128);
const req = (budgetUs: number, policy: AnytimeRequest['policy'] = 'deadline', threshold?: number): AnytimeRequest => ({ input: image, shape: [4, 4, 3], budgetUs, policy, threshold });

async function exitFor(agent: Agent, budgetUs: number): Promise<number> {
  return (await agent.run(req(budgetUs))).exitIndex;
}

test('profile: p50/p99 per segment from the fake clock, saved once with the device name', async () => {
  const { agent, store } = await setup();
  const a = agent.active();
  assert.ok(a);
  assert.deepEqual(a.profile.segments.map((s) => s.p99Us), COSTS_US);
  assert.deepEqual(a.profile.segments.map((s) => s.p50Us), COSTS_US);
  assert.equal(a.profile.device, 'test-device');
  assert.equal(store.profileWrites, 1);
});

test('deadline: runs on while elapsed + p99(next) × 1.1 fits; answers the deepest completed exit', async () => {
  const { agent } = await setup();
  // After exit 0: 100 µs elapsed; exit 1 needs 100 + 200 × 1.1 = 320 µs. After exit 1: 300 + 300 × 1.1 = 630.
  assert.equal(await exitFor(agent, 319), 0);
  assert.equal(await exitFor(agent, 320), 1);
  assert.equal(await exitFor(agent, 629), 1);
  assert.equal(await exitFor(agent, 630), 2);
  const full = await agent.run(req(10_000));
  assert.equal(full.exitIndex, 2);
  assert.deepEqual(full.segmentLatencyUs, COSTS_US);
  assert.equal(full.totalUs, 600);
  assert.equal(full.met, true);
  assert.equal(full.overBudget, false);
  assert.equal(full.label, 'c2');
  assert.equal(full.classIndex, 2);
  const expected = Math.exp(2) / (Math.exp(1) + Math.exp(0) + Math.exp(2));
  assert.ok(Math.abs(full.confidence - expected) < 1e-12);
  assert.deepEqual(full.topK.map((t) => t.classIndex), [2, 0, 1]);
});

test('safety factor 1.0 trusts the profile exactly', async () => {
  const { agent } = await setup({ safetyFactor: 1 });
  assert.equal(await exitFor(agent, 299), 0);
  assert.equal(await exitFor(agent, 300), 1);
  assert.equal(await exitFor(agent, 600), 2);
});

test('a budget below exit 1 still answers exit 1, flagged over budget and missed', async () => {
  const { agent } = await setup();
  const a = await agent.run(req(50));
  assert.equal(a.exitIndex, 0);
  assert.equal(a.overBudget, true);
  assert.equal(a.met, false);
  assert.equal(a.totalUs, 100);
  const stats = await agent.stats();
  assert.equal(stats.overBudget, 1);
  assert.equal(stats.missed, 1);
});

test('the profile measures the answer overhead, and the deadline leaves room for it', async () => {
  // Reading outputs costs 10 µs: the exit readout after each segment, and the hand-off into the next one.
  const { agent } = await setup({ safetyFactor: 1, readoutUs: 10 });
  const profile = agent.active()?.profile;
  assert.deepEqual(profile?.segments.map((s) => s.p99Us), [100, 210, 310], 'segments 1 and 2 include the hand-off read');
  assert.deepEqual(profile?.overhead?.answer, { p50Us: 10, p99Us: 10, runs: 10 });
  assert.deepEqual(profile?.overhead?.input, { p50Us: 0, p99Us: 0, runs: 10 });
  // After exit 0: 110 µs elapsed; exit 1 is predicted at 110 + 210 + 10 (answer) = 330 (320 without the answer).
  assert.equal(await exitFor(agent, 325), 0);
  const one = await agent.run(req(330));
  assert.equal(one.exitIndex, 1);
  assert.equal(one.totalUs, 330);
  assert.equal(one.met, true, 'the prediction was exact, so the answer lands on the budget');
  // After exit 1 (its readout included): 330 µs elapsed; exit 2 is predicted at 330 + 310 + 10 = 650.
  assert.equal(await exitFor(agent, 649), 1);
  assert.equal((await agent.run(req(650))).totalUs, 650);
  // Exit 1 costs input 0 + segment 0 100 + answer 10 = 110 µs: a lower budget is over budget.
  assert.equal((await agent.run(req(109))).overBudget, true);
  const exact = await agent.run(req(110));
  assert.equal(exact.overBudget, false);
  assert.equal(exact.met, true);
});

test('the answer overhead is tracked online: a slower readout than profiled makes the deadline more cautious', async () => {
  const clock = new FakeClock();
  const options = { clock, costsUs: COSTS_US, logits: (k: number) => LOGITS[k], readoutUs: 0 };
  const { manifest, files } = bundleFiles(fakeBundleContents({ segments: 3, classes: 3 }));
  const agent = await createAgent({ bundleDir: '/x', store: new FakeStore().add('b', manifest, files), runtime: fakeRuntime(options), clock, safetyFactor: 1, profile: { warmups: 0, runs: 10 } });
  await agent.install('b');
  assert.equal(agent.active()?.profile.overhead?.answer.p99Us, 0);
  options.readoutUs = 40; // from now on, reading outputs takes 40 µs (the hand-off into the next segment too)
  for (let i = 0; i < 160; i++) await agent.run(req(1e6));
  // After exit 0: 100 + 40 µs; exit 1 is now predicted at 140 + 240 + 40 (answer, tracked) = 420.
  // With the profile's answer p99 (0) it would be 380.
  assert.equal(await exitFor(agent, 419), 0);
  const one = await agent.run(req(420));
  assert.equal(one.exitIndex, 1);
  assert.equal(one.met, true);
});

test('a profile saved without the request overhead is measured again at load', async () => {
  const clock = new FakeClock();
  const runtime = fakeRuntime({ clock, costsUs: COSTS_US, logits: (k) => LOGITS[k] });
  const { manifest, files } = bundleFiles(fakeBundleContents({ segments: 3, classes: 3 }));
  const store = new FakeStore().add('b', manifest, files);
  const first = await createAgent({ bundleDir: '/x', store, runtime, clock, profile: { warmups: 0, runs: 4 }, deviceName: 'd' });
  await first.install('b');
  const measured = first.active();
  assert.ok(measured?.profile.overhead);
  // What a profile.json written before the overhead was measured holds.
  await store.writeProfile(measured.bundle, { device: 'd', measuredAt: measured.profile.measuredAt, segments: measured.profile.segments });
  const writes = store.profileWrites;
  const second = await createAgent({ bundleDir: '/x', store, runtime, clock, profile: { warmups: 0, runs: 4 }, deviceName: 'd' });
  assert.equal(store.profileWrites, writes + 1, 're-profiled');
  assert.ok(second.active()?.profile.overhead);
  const third = await createAgent({ bundleDir: '/x', store, runtime, clock, profile: { warmups: 0, runs: 4 }, deviceName: 'd' });
  assert.equal(store.profileWrites, writes + 1, 'a complete saved profile is reused');
  assert.ok(third.active());
});

test('a segment slower than its profile makes a miss, counted in stats', async () => {
  // The profile (2 warm-ups + 10 runs) sees 100/200/300 µs; afterwards segment 1 takes 400 µs.
  const clock = new FakeClock();
  const runtime = fakeRuntime({ clock, costsUs: (k, call) => (k === 1 && call >= 12 ? 400 : COSTS_US[k]), logits: (k) => LOGITS[k] });
  const { manifest, files } = bundleFiles(fakeBundleContents({ segments: 3, classes: 3 }));
  const slow = await createAgent({ bundleDir: '/x', store: new FakeStore().add('b', manifest, files), runtime, clock, profile: { warmups: 2, runs: 10 } });
  await slow.install('b');
  const missed = await slow.run(req(320));
  assert.equal(missed.exitIndex, 1);
  assert.deepEqual(missed.segmentLatencyUs, [100, 400]);
  assert.equal(missed.met, false);
  assert.equal(missed.overBudget, false);
  const stopped = await slow.run(req(630));
  assert.equal(stopped.exitIndex, 1, 'after 500 µs, 500 + 330 > 630: stop at exit 1');
  assert.equal(stopped.met, true);
  const stats = await slow.stats();
  assert.equal(stats.missed, 1);
  assert.equal(stats.met, 1);
  assert.equal(stats.exit1Answers, 2);
});

test('confidence: stops at the first exit at or above its threshold, else continues within the budget', async () => {
  const { agent } = await setup();
  const first = await agent.run(req(10_000, 'confidence'));
  assert.equal(first.exitIndex, 0, 'exit 0 is 0.98 confident ≥ 0.9');
  assert.equal(first.label, 'c1');
  const override = await agent.run(req(10_000, 'confidence', 0.99));
  assert.equal(override.exitIndex, 2, 'no exit reaches 0.99: the last exit answers');
  const limited = await agent.run(req(320, 'confidence', 0.99));
  assert.equal(limited.exitIndex, 1, 'the budget still stops it');
});

test('segments hand tensors on: segment k sees segment k-1 outputs', async () => {
  const clock = new FakeClock();
  const seen: number[] = [];
  const runtime = fakeRuntime({ clock, costsUs: COSTS_US, logits: (k, input) => { seen[k] = input[0]; return LOGITS[k]; } });
  const { manifest, files } = bundleFiles(fakeBundleContents({ segments: 3, classes: 3 }));
  const agent = await createAgent({ bundleDir: '/x', store: new FakeStore().add('b', manifest, files), runtime, clock, profile: { warmups: 0, runs: 1 } });
  await agent.install('b');
  await agent.run({ input: new Uint8Array(48).fill(255), shape: [1, 4, 4, 3], budgetUs: 1e6, policy: 'deadline' });
  const x0 = Math.fround((1 - 0.5) / 0.25);
  assert.deepEqual(seen, [x0, x0 + 1, x0 + 2]);
});

test('bad requests are typed errors and the agent keeps serving', async () => {
  const { agent } = await setup();
  await assert.rejects(agent.run({ input: new Uint8Array(5), shape: [1, 2, 2], budgetUs: 100, policy: 'deadline' }), (e) => isRanasError(e, 'E_BAD_INPUT') && /\[4, 4, 3\]/.test(e.message));
  await assert.rejects(agent.run({ ...req(100), budgetUs: -1 }), (e) => isRanasError(e, 'E_BAD_REQUEST'));
  await assert.rejects(agent.infer({ input: Buffer.alloc(47), shape: [4, 4, 3], dtype: 'float32', budgetUs: 1, policy: 'deadline', topK: 3 }), (e) => isRanasError(e, 'E_BAD_INPUT') && /47 bytes/.test(e.message));
  const ok = await agent.infer({ input: Buffer.from(image), shape: [4, 4, 3], dtype: 'uint8', budgetUs: 10_000, policy: 'deadline', topK: 2 });
  assert.equal(ok.exitIndex, 2);
  assert.equal(ok.topK.length, 2);
  const stats = await agent.stats();
  assert.equal(stats.errors, 3);
  assert.equal(stats.met, 1);
});

test('no bundle installed: infer is a typed error; info has no active bundle', async () => {
  const agent = await createAgent({ bundleDir: '/x', store: new FakeStore(), runtime: fakeRuntime({ clock: new FakeClock(), costsUs: [], logits: () => [] }) });
  await assert.rejects(agent.run(req(100)), (e) => isRanasError(e, 'E_NO_BUNDLE'));
  assert.equal((await agent.info()).activeBundle, undefined);
});

test('everyExit: every segment runs whatever the budget, and the answer lists each exit with its raw logits', async () => {
  const { agent } = await setup();
  const plain = await agent.run(req(50));
  assert.equal(plain.exitIndex, 0);
  assert.equal(plain.exits, undefined);
  const all = await agent.run({ ...req(50), everyExit: true });
  assert.equal(all.exitIndex, 2);
  assert.deepEqual(all.segmentLatencyUs, COSTS_US);
  assert.ok(all.exits);
  assert.deepEqual(all.exits.map((e) => e.exitIndex), [0, 1, 2]);
  assert.deepEqual(all.exits.map((e) => e.classIndex), [1, 2, 2]);
  assert.deepEqual(all.exits.map((e) => e.logits), LOGITS);
  const exp = LOGITS[0].map(Math.exp);
  assert.ok(Math.abs(all.exits[0].confidence - exp[1] / (exp[0] + exp[1] + exp[2])) < 1e-12);
});
