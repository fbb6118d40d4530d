import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleFiles } from '../converters/bundle/write-bundle.ts';
import { createAgent } from './agent.ts';
import { fakeRuntime } from './runtimes/fake-runtime.ts';
import { FakeStore } from './store/fake-store.ts';
import { fakeBundleContents } from './testing/fake-bundle.ts';
import { FakeClock } from './scheduler/clock.ts';
import { decodeMessage, encodeMessage } from '../firmware-bridge/protocol.ts';

/**
 * Segment cost by thread count: segment 0 collapses with 2 threads (the TFLite 2.9 int8 case), segment 1
 * gains, segment 2 is level (ties keep the fewer threads).
 */
const COSTS_US: Record<number, number[]> = { 1: [100, 500, 300], 2: [1000, 200, 300] };

async function agentWith(threads: number | 'auto', existing?: FakeStore) {
  const clock = new FakeClock();
  const loads: number[] = [];
  const runtime = (t: number) => {
    const r = fakeRuntime({ clock, costsUs: COSTS_US[t], logits: () => [0, 1, 2] });
    return { ...r, load: (bytes: Uint8Array, tensors: Parameters<typeof r.load>[1]) => { loads.push(t); return r.load(bytes, tensors); } };
  };
  const { manifest, files } = bundleFiles(fakeBundleContents({ segments: 3, classes: 3 }));
  const store = existing ?? new FakeStore().add('b', manifest, files);
  const agent = await createAgent({ bundleDir: '/x', store, runtime, threads, threadChoices: [1, 2], clock, profile: { warmups: 1, runs: 5 }, deviceName: 'test-device' });
  return { agent, loads, store };
}

test('threads auto: each segment keeps the thread count with the lower profiled p50; the profile records it', async () => {
  const { agent } = await agentWith('auto');
  await agent.install('b');
  const profile = agent.active()?.profile;
  assert.deepEqual(profile?.segments.map((s) => s.threads), [1, 2, 1]);
  assert.deepEqual(profile?.segments.map((s) => s.p50Us), [100, 200, 300]);
  const info = await agent.info();
  assert.deepEqual(info.profile?.segments.map((s) => s.threads), [1, 2, 1]);
  const a = await agent.run({ input: new Uint8Array(48).fill(1), shape: [4, 4, 3], budgetUs: 1e9, policy: 'deadline' });
  assert.deepEqual(a.segmentLatencyUs, [100, 200, 300]);
  await agent.close();
});

test('threads auto: a saved profile with its thread choice is reused (segments loaded with those threads, nothing re-measured)', async () => {
  const first = await agentWith('auto');
  await first.agent.install('b');
  await first.agent.close();
  const again = await agentWith('auto', first.store);
  assert.deepEqual(again.loads, [1, 2, 1]);
  assert.deepEqual(again.agent.active()?.profile.segments.map((s) => s.threads), [1, 2, 1]);
  await again.agent.close();
});

test('a fixed thread count loads every segment with it', async () => {
  const { agent, loads } = await agentWith(2);
  await agent.install('b');
  assert.deepEqual(loads, [2, 2, 2]);
  assert.deepEqual(agent.active()?.profile.segments.map((s) => s.p50Us), [1000, 200, 300]);
  await agent.close();
});

test('the chosen thread counts reach the host: Info over the wire carries them per segment', async () => {
  const { agent } = await agentWith('auto');
  await agent.install('b');
  const info = await agent.info();
  const wire = { ...info, protocolVersion: 1, minProtocolVersion: 1, maxProtocolVersion: 1, maxFrameBytes: 4096 };
  assert.deepEqual(decodeMessage('info', encodeMessage('info', wire)).profile?.segments.map((s) => s.threads), [1, 2, 1]);
  await agent.close();
});
