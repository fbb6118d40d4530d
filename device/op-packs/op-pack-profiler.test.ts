// The device's op-pack profiler with a runtime whose models advance a fake clock: answers are bounded by the
// slice (at least one chunk), skip what the host has, hand bundle items to the scratch profiler with their keys,
// and refuse absurd thread counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../../src/errors.ts';
import { doneBitmap, OP_PACK_FORMAT, OP_PACK_VERSION, type OpPackItem } from '../../src/bundle-format/op-pack.ts';
import { FakeClock } from '../scheduler/clock.ts';
import { TYPED_ARRAY, elementCount, type Runtime } from '../runtimes/runtime.ts';
import type { OpPack } from './op-pack-store.ts';
import { profileOpPack } from './op-pack-profiler.ts';

const tensor = (name: string) => ({ name, shape: [1, 2, 2, 4], dtype: 'int8' as const, scale: 0.1, zeroPoint: 0 });
const SHA = '0'.repeat(64);

/** A pack of `ops` op items (model bytes [i]) then one bundle item with 3 segment keys. */
function pack(ops: number): OpPack {
  const items: OpPackItem[] = Array.from({ length: ops }, (_, i) => ({ kind: 'op' as const, key: `op${i}`, part: 'edge', file: `op${i}.onnx`, sha256: SHA, inputs: [tensor('x')], outputs: [tensor('y')] }));
  items.push({ kind: 'bundle', keys: ['cal|0', 'cal|1', 'cal|2'], part: 'calibration', file: 'b.tar', sha256: SHA });
  const files = new Map<string, Uint8Array>(items.map((it, i) => [it.file, new Uint8Array([i])]));
  return { sha256: SHA, files, manifest: { format: OP_PACK_FORMAT, version: OP_PACK_VERSION, name: 'p', runtime: 'onnx', warmups: 1, runs: 4, bundleRuns: 5, items } };
}

/** Model i costs 100·(i + 1) µs of fake time per run. */
function runtimeOn(clock: FakeClock, threadsSeen: number[]): (kind: 'onnx' | 'tflite', threads: number) => Runtime {
  return (_kind, threads) => {
    threadsSeen.push(threads);
    return {
      name: 'fake',
      async load(bytes, tensors) {
        const cost = 100 * (bytes[0] + 1);
        return { inputs: tensors.inputs.map((t) => TYPED_ARRAY[t.dtype](elementCount(t.shape))), outputs: tensors.outputs.map((t) => TYPED_ARRAY[t.dtype](elementCount(t.shape))), async run() { clock.advance(cost); }, async dispose() {} };
      },
    };
  };
}

test('one answer measures whole chunks until the slice is spent, skips done items, and reports what remains', async () => {
  const clock = new FakeClock();
  const threads: number[] = [];
  const bundles: number[] = [];
  const p = pack(40);
  const o = { runtime: runtimeOn(clock, threads), clock, deviceName: 'dev', defaultThreads: 1, profileBundle: async (tar: Uint8Array, b: { threads: number; runs: number }) => { bundles.push(tar[0], b.runs); return [0, 1, 2].map((k) => ({ p50Us: 10 * (k + 1), p99Us: 20 * (k + 1), runs: b.runs })); } };
  // A 1 ms slice: the first chunk (16 models, each ≥ 100 µs × 3 rounds × runs) already spends it.
  const first = await profileOpPack(p, { packSha256: SHA, done: Buffer.alloc(0), maxMs: 1, threads: 0 }, o);
  assert.deepEqual(first.entries.map((e) => e.item), Array.from({ length: 16 }, (_, i) => i), 'one chunk of 16');
  assert.equal(first.remaining, 41 - 16);
  assert.deepEqual(threads, [1], "threads 0 = the agent's");
  assert.equal(first.entries[3].p50Us, 400, "an entry is its model's p50 (the median of the rounds' p50s)");
  // The host has items 0-15 and 20: the next answer starts at 16 and skips 20.
  const done = doneBitmap(p.manifest.items, new Set([...first.entries.map((e) => e.key), 'op20']));
  const second = await profileOpPack(p, { packSha256: SHA, done, maxMs: 10_000, threads: 2 }, o);
  assert.deepEqual(second.entries.filter((e) => e.part === 'edge').map((e) => e.item), [16, 17, 18, 19, ...Array.from({ length: 19 }, (_, i) => 21 + i)]);
  assert.deepEqual(second.entries.filter((e) => e.part === 'calibration').map((e) => [e.item, e.key, e.p50Us]), [[40, 'cal|0', 10], [40, 'cal|1', 20], [40, 'cal|2', 30]]);
  assert.deepEqual(bundles, [40, 5], 'the bundle item went to the scratch profiler with the pack\'s runs');
  assert.equal(second.remaining, 0);
  assert.equal(second.threads, 2);
  await assert.rejects(profileOpPack(p, { packSha256: SHA, done: Buffer.alloc(0), maxMs: 10, threads: 100_000 }, o), (e) => isRanasError(e, 'E_BAD_REQUEST') && e.message.includes('100000'));
});
