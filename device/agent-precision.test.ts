import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleFiles, type BundleContents } from '../converters/bundle/write-bundle.ts';
import type { BundlePrecision, BundleTensor } from '../src/bundle-format/manifest.ts';
import { createAgent } from './agent.ts';
import type { PrecisionChoice } from './agent/segment-plan.ts';
import { fakeRuntime } from './runtimes/fake-runtime.ts';
import type { Runtime } from './runtimes/runtime.ts';
import { FakeClock } from './scheduler/clock.ts';
import { FakeStore } from './store/fake-store.ts';
import { fakeBundleContents } from './testing/fake-bundle.ts';

const Q = { scale: 0.5, zeroPoint: 3 };
const int8 = (t: BundleTensor): BundleTensor => (t.dtype === 'float32' && !t.name.includes('logits') ? { ...t, dtype: 'int8', ...Q } : t);

/**
 * An int8 bundle of 3 segments whose boundary tensors are int8 (scale 0.5, zero point 3), each segment also
 * carried in fp32 with float32 boundaries; exit accuracies per precision as given.
 */
function mixedBundle(acc: Record<BundlePrecision, number[]>, toleranceTop1 = 0.005): BundleContents {
  const base = fakeBundleContents({ segments: 3, classes: 3 });
  return {
    ...base,
    precision: 'int8',
    input: { ...base.input, dtype: 'int8', ...Q },
    precisionChoice: { toleranceTop1 },
    segments: base.segments.map((s, k) => ({
      ...s,
      inputs: s.inputs.map(int8),
      outputs: s.outputs.map(int8),
      exit: { ...s.exit, accuracy: acc.int8[k] },
      variants: [{ precision: 'fp32', bytes: s.bytes.map((b) => b ^ 0xff), inputs: s.inputs, outputs: s.outputs, accuracy: acc.fp32[k] }],
    })),
  };
}

/** Segment cost, µs, by the precision it was loaded in (the fake runtime sees it in the tensors' dtypes). */
type Costs = Record<BundlePrecision, number[]>;

async function agentWith(contents: BundleContents, costs: Costs, precision?: PrecisionChoice, existing?: FakeStore) {
  const clock = new FakeClock();
  const loaded: string[] = [];
  const inputsSeen: number[][] = [];
  const runtime: Runtime = {
    name: 'fake',
    async load(bytes, tensors) {
      const p: BundlePrecision = tensors.inputs[0].dtype === 'int8' ? 'int8' : 'fp32';
      const k = Number(/exit(\d+)/.exec(tensors.outputs.at(-1)?.name ?? '')?.[1]);
      loaded.push(`${k}:${p}`);
      const seg = await fakeRuntime({ clock, costsUs: (j) => costs[p][j], logits: (j, x) => { inputsSeen[j] = [x[0], x[1]]; return [0, 1, 2]; } }).load(bytes, tensors);
      return seg;
    },
  };
  const { manifest, files } = bundleFiles(contents);
  const store = existing ?? new FakeStore().add('b', manifest, files);
  const agent = await createAgent({ bundleDir: '/x', store, runtime, threads: 1, precision, clock, profile: { warmups: 1, runs: 5 }, deviceName: 'test-device' });
  await agent.install('b');
  return { agent, loaded, store, inputsSeen };
}

const ACC = { int8: [0.5, 0.6, 0.7], fp32: [0.5, 0.6, 0.7] };

test('precision auto: each segment runs in the faster measured precision, and the profile and info say which', async () => {
  const { agent } = await agentWith(mixedBundle(ACC), { int8: [100, 500, 300], fp32: [300, 200, 400] });
  const profile = agent.active()?.profile;
  assert.deepEqual(profile?.segments.map((s) => s.precision), ['int8', 'fp32', 'int8']);
  assert.deepEqual(profile?.segments.map((s) => s.p50Us), [100, 200, 300]);
  assert.deepEqual((await agent.info()).profile?.segments.map((s) => s.precision), ['int8', 'fp32', 'int8']);
  assert.deepEqual(agent.active()?.chain.forms.map((f) => f.file), ['segment-0.tflite', 'segment-1.fp32.tflite', 'segment-2.tflite']);
  await agent.close();
});

test('precision auto: the hand-off between precisions converts (int8 → float dequantised, float → int8 quantised)', async () => {
  const { agent, inputsSeen } = await agentWith(mixedBundle(ACC), { int8: [100, 500, 300], fp32: [300, 200, 400] });
  // Every raw pixel 255 → (1 - 0.5) / 0.25 = 2 → int8 round(2 / 0.5) + 3 = 7 at segment 0's input.
  await agent.run({ input: new Uint8Array(48).fill(255), shape: [4, 4, 3], budgetUs: 1e9, policy: 'deadline' });
  assert.deepEqual(inputsSeen[0], [7, 7]);
  // Segment 0 (int8) writes state0 = 7 + 1 = 8 (int8); segment 1 (fp32) reads 0.5 * (8 - 3) = 2.5.
  assert.deepEqual(inputsSeen[1], [2.5, 2.5]);
  // Segment 1 writes state1 = 3.5 (float); segment 2 (int8) reads round(3.5 / 0.5) + 3 = 10.
  assert.deepEqual(inputsSeen[2], [10, 10]);
  await agent.close();
});

test('precision auto: a form whose exit accuracy is more than the tolerance below the best never runs, however fast', async () => {
  // int8 is faster everywhere but loses 2 points at exit 1 (tolerance 0.5): segment 1 runs fp32.
  const { agent } = await agentWith(mixedBundle({ int8: [0.5, 0.58, 0.7], fp32: [0.5, 0.6, 0.7] }), { int8: [100, 100, 100], fp32: [300, 300, 300] });
  assert.deepEqual(agent.active()?.profile.segments.map((s) => s.precision), ['int8', 'fp32', 'int8']);
  await agent.close();
});

test('precision auto: a uniform plan wins when it is the fastest, and a saved choice is reused without re-measuring', async () => {
  const first = await agentWith(mixedBundle(ACC), { int8: [300, 300, 300], fp32: [100, 100, 100] });
  assert.deepEqual(first.agent.active()?.profile.segments.map((s) => s.precision), ['fp32', 'fp32', 'fp32']);
  await first.agent.close();
  const again = await agentWith(mixedBundle(ACC), { int8: [1, 1, 1], fp32: [100, 100, 100] }, 'auto', first.store);
  assert.deepEqual(again.loaded, ['0:fp32', '1:fp32', '2:fp32']);
  await again.agent.close();
});

test('--precision int8 / fp32 pins every segment; a bundle without variants runs as it always did', async () => {
  const pinned = await agentWith(mixedBundle(ACC), { int8: [300, 300, 300], fp32: [100, 100, 100] }, 'int8');
  assert.deepEqual(pinned.loaded, ['0:int8', '1:int8', '2:int8']);
  assert.deepEqual(pinned.agent.active()?.profile.segments.map((s) => s.precision), ['int8', 'int8', 'int8']);
  await pinned.agent.close();
  const plain = await agentWith(fakeBundleContents({ segments: 3, classes: 3 }), { int8: [1, 1, 1], fp32: [100, 200, 300] });
  assert.deepEqual(plain.loaded, ['0:fp32', '1:fp32', '2:fp32']);
  assert.equal(plain.agent.active()?.profile.segments[0].precision, undefined);
  await plain.agent.close();
});

test('a form without a measured accuracy cannot be vouched for: only the manifest\'s precision runs', async () => {
  const contents = mixedBundle(ACC);
  contents.segments = contents.segments.map((s) => ({ ...s, variants: s.variants?.map(({ accuracy: _, ...v }) => v) }));
  const { agent, loaded } = await agentWith(contents, { int8: [300, 300, 300], fp32: [100, 100, 100] });
  assert.deepEqual(loaded, ['0:int8', '1:int8', '2:int8']);
  await agent.close();
});
