import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleFiles } from '../../converters/bundle/write-bundle.ts';
import { createAgent } from '../agent.ts';
import { fakeRuntime } from '../runtimes/fake-runtime.ts';
import { FakeStore } from '../store/fake-store.ts';
import { fakeBundleContents } from '../testing/fake-bundle.ts';
import { FakeClock } from './clock.ts';
import { plannedExit, type PlanState } from './planned-policy.ts';
import type { AnytimeRequest } from './run-anytime.ts';

/** Whole segments (trunk + head) and their parts, µs. */
const SEGMENT_US = [100, 200, 300];
const TRUNK_US = [80, 150, 250];
const HEAD_US = [20, 50, 50];
const LOGITS = [[0, 5, 1], [0, 0.5, 1], [1, 0, 2]];

type PartCost = (part: 'trunk' | 'head', k: number, call: number) => number;

async function setup(o: { split?: boolean; partCostsUs?: PartCost } = {}) {
  const clock = new FakeClock();
  const runtime = fakeRuntime({ clock, costsUs: SEGMENT_US, partCostsUs: o.partCostsUs ?? { trunk: TRUNK_US, head: HEAD_US }, logits: (k) => LOGITS[k] });
  const { manifest, files } = bundleFiles(fakeBundleContents({ segments: 3, classes: 3, split: o.split ?? true }));
  const store = new FakeStore().add('b', manifest, files);
  // Safety 1.0 and no adaptive tracking: the predictions are the profile's exactly.
  const agent = await createAgent({ bundleDir: '/nonexistent', store, runtime, clock, safetyFactor: 1, adaptive: false, profile: { warmups: 2, runs: 10 }, deviceName: 'test-device' });
  await agent.install('b');
  return { agent, runtime, store };
}

const image = new Uint8Array(4 * 4 * 3).fill(128);
const req = (budgetUs: number, policy: AnytimeRequest['policy'] = 'planned'): AnytimeRequest => ({ input: image, shape: [4, 4, 3], budgetUs, policy });

const STEP_US = TRUNK_US.map((t, k) => t + HEAD_US[k]);
const plan = (over: Partial<PlanState>): PlanState => ({ reached: -1, elapsedUs: 0, budgetUs: 0, trunkP99Us: TRUNK_US, headP99Us: HEAD_US, stepP99Us: STEP_US, safetyFactor: 1, answerP99Us: 0, ...over });

test('plannedExit: the deepest exit whose trunks + own head fit; never deeper than the limit; exit 0 or the reached exit as floor', () => {
  // Exit m costs Σ trunks 0..m + head m: 100, 280, 530.
  assert.equal(plannedExit(plan({ budgetUs: 50 }), 2), 0);
  assert.equal(plannedExit(plan({ budgetUs: 279 }), 2), 0);
  assert.equal(plannedExit(plan({ budgetUs: 280 }), 2), 1);
  assert.equal(plannedExit(plan({ budgetUs: 530 }), 2), 2);
  assert.equal(plannedExit(plan({ budgetUs: 530 }), 1), 1, 'a plan only gets shallower');
  // After trunk 1 (reached 1) at 480 µs: exit 2 needs 480 + 250 + 50 = 780, exit 1 needs 480 + 50 = 530.
  assert.equal(plannedExit(plan({ reached: 1, elapsedUs: 480, budgetUs: 530 }), 2), 1);
  assert.equal(plannedExit(plan({ reached: 1, elapsedUs: 500, budgetUs: 530 }), 2), 1, 'none fits: the reached exit answers soonest');
  // Safety and answer overhead count: 1.1 × (80 + 20) + 10 = 120.
  const two = { safetyFactor: 1.1, answerP99Us: 10, trunkP99Us: [80, 150], headP99Us: [20, 50], stepP99Us: [100, 200] };
  assert.equal(plannedExit(plan({ ...two, budgetUs: 300 }), 1), 0);
  assert.equal(plannedExit(plan({ ...two, budgetUs: 319 }), 1), 1);
  // The last step's own p99 counts, not the sum of its parts' p99s: step 1 measured at 160 (trunk 150, head 50).
  assert.equal(plannedExit(plan({ ...two, stepP99Us: [100, 160], budgetUs: 1.1 * 240 + 10 }), 1), 1);
  assert.equal(plannedExit(plan({ ...two, stepP99Us: [100, 160], budgetUs: 1.1 * 240 + 9 }), 1), 0);
});

test('the agent profiles every trunk and head, and saves them with the profile', async () => {
  const { agent, store } = await setup();
  const p = agent.active()?.profile;
  assert.deepEqual(p?.parts?.trunks.map((t) => t.p99Us), TRUNK_US);
  assert.deepEqual(p?.parts?.heads.map((t) => t.p99Us), HEAD_US);
  assert.deepEqual(p?.parts?.steps.map((t) => t.p99Us), STEP_US);
  assert.deepEqual(p?.segments.map((s) => s.p99Us), SEGMENT_US);
  const current = await store.current();
  assert.ok(current);
  assert.deepEqual((await store.readProfile(current))?.parts?.trunks.map((t) => t.p99Us), TRUNK_US);
  // A restart reuses the saved parts' profile: nothing is measured or written again.
  const writes = store.profileWrites;
  const clock = new FakeClock();
  const again = await createAgent({ bundleDir: '/nonexistent', store, runtime: fakeRuntime({ clock, costsUs: SEGMENT_US, logits: (k) => LOGITS[k] }), clock, deviceName: 'test-device' });
  assert.equal(store.profileWrites, writes);
  assert.deepEqual(again.active()?.profile.parts?.heads.map((t) => t.p99Us), HEAD_US);
  await again.close();
});

test('planned runs the trunks up to the planned exit and only its head; deadline pays for every head on the way', async () => {
  const { agent, runtime } = await setup();
  const before = new Map(runtime.partRuns);
  const planned = await agent.run(req(530));
  assert.equal(planned.exitIndex, 2);
  assert.equal(planned.totalUs, 530);
  assert.equal(planned.met, true);
  assert.deepEqual(planned.segmentLatencyUs, [80, 150, 300]);
  assert.equal(planned.label, 'c2');
  const ran = (key: string) => (runtime.partRuns.get(key) ?? 0) - (before.get(key) ?? 0);
  assert.deepEqual(['trunk0', 'trunk1', 'trunk2', 'head0', 'head1', 'head2'].map(ran), [1, 1, 1, 0, 0, 1]);
  // The same budget under deadline: after exit 1 (300 µs) segment 2 (300 µs) no longer fits.
  const deadline = await agent.run(req(530, 'deadline'));
  assert.equal(deadline.exitIndex, 1);
  assert.equal(deadline.totalUs, 300);
  // Budgets at the plan's edges.
  assert.equal((await agent.run(req(279))).exitIndex, 0);
  assert.equal((await agent.run(req(280))).exitIndex, 1);
  assert.equal((await agent.run(req(280))).label, 'c2');
  const tooSmall = await agent.run(req(50));
  assert.equal(tooSmall.exitIndex, 0);
  assert.equal(tooSmall.overBudget, true);
  assert.equal(tooSmall.label, 'c1');
});

test('a trunk that runs late falls back to the head of the exit it reached, and still meets the deadline', async () => {
  let slow = false;
  const { agent, runtime } = await setup({ partCostsUs: (part, k) => (part === 'trunk' ? (slow && k === 1 ? 400 : TRUNK_US[k]) : HEAD_US[k]) });
  slow = true;
  const before = new Map(runtime.partRuns);
  // Planned for exit 2 (530 µs); trunk 1 takes 400: at 480 µs exit 2 would end at 780, exit 1 at 530.
  const a = await agent.run(req(530));
  assert.equal(a.exitIndex, 1);
  assert.equal(a.totalUs, 530);
  assert.equal(a.met, true);
  assert.equal(a.label, 'c2');
  const ran = (key: string) => (runtime.partRuns.get(key) ?? 0) - (before.get(key) ?? 0);
  assert.deepEqual(['trunk0', 'trunk1', 'trunk2', 'head0', 'head1', 'head2'].map(ran), [1, 1, 0, 0, 1, 0]);
});

test('trunks that run earlier than their p99 move the plan deeper, still with one head', async () => {
  let fast = false;
  const { agent, runtime } = await setup({ partCostsUs: (part, k) => (part === 'trunk' ? (fast && k === 0 ? 10 : TRUNK_US[k]) : HEAD_US[k]) });
  fast = true;
  const before = new Map(runtime.partRuns);
  // On arrival exit 2 (530 µs) does not fit 460: planned for exit 1. Trunk 0 takes 10: exit 2 ends at 10 + 150 + 250 + 50.
  const a = await agent.run(req(460));
  assert.equal(a.exitIndex, 2);
  assert.equal(a.totalUs, 460);
  const ran = (key: string) => (runtime.partRuns.get(key) ?? 0) - (before.get(key) ?? 0);
  assert.deepEqual(['head0', 'head1', 'head2'].map(ran), [0, 0, 1]);
});

test('planned on a bundle without parts answers as deadline', async () => {
  const { agent } = await setup({ split: false });
  assert.equal(agent.active()?.profile.parts, undefined);
  for (const budget of [99, 320, 530, 600]) {
    assert.equal((await agent.run(req(budget))).exitIndex, (await agent.run(req(budget, 'deadline'))).exitIndex, `budget ${budget}`);
  }
});
