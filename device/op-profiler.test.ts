import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OpModel } from '../src/bundle-format/latency-table.ts';
import { profileOpModels } from './op-profiler.ts';
import { FakeClock } from './scheduler/clock.ts';
import type { Runtime } from './runtimes/runtime.ts';

/** A runtime whose model of n bytes takes n µs per run on a fake clock, counting loads and runs. */
function bytesAreMicroseconds(clock: FakeClock): Runtime & { loads: number; runs: number; disposed: number } {
  const r = {
    name: 'fake' as const,
    loads: 0,
    runs: 0,
    disposed: 0,
    async load(bytes: Uint8Array, tensors: { inputs: OpModel['inputs'] }) {
      r.loads += 1;
      const inputs = tensors.inputs.map((t) => new Int8Array(t.shape.reduce((a, b) => a * b, 1)));
      return {
        inputs,
        outputs: [],
        run: async () => {
          r.runs += 1;
          clock.advance(bytes.length);
        },
        dispose: async () => {
          r.disposed += 1;
        },
      };
    },
  };
  return r;
}

const model = (key: string, us: number): OpModel => ({ key, part: 'edge', bytes: new Uint8Array(us), inputs: [{ name: 'x', shape: [1, 4, 2, 2], dtype: 'int8', scale: 0.1, zeroPoint: 0 }], outputs: [] });

test('profileOpModels: p50/p99 of each model over its rounds, warm-ups untimed, done keys skipped, entries reported per chunk', async () => {
  const clock = new FakeClock();
  const runtime = bytesAreMicroseconds(clock);
  const seen: string[] = [];
  const entries = await profileOpModels([model('a', 30), model('b', 50), model('c', 70)], {
    runtime, clock, warmups: 2, runs: 5, rounds: 3, chunk: 1, done: new Set(['b']),
    onEntry: (e, i, total) => seen.push(`${e.key} ${i}/${total}`),
  });
  assert.deepEqual(entries, [
    { key: 'a', part: 'edge', p50Us: 30, p99Us: 30, runs: 15 },
    { key: 'c', part: 'edge', p50Us: 70, p99Us: 70, runs: 15 },
  ]);
  assert.deepEqual(seen, ['a 0/3', 'c 2/3']);
  assert.equal(runtime.loads, 2, 'the measured model b is not loaded again');
  assert.equal(runtime.runs, 2 * (2 + 5 + 2 * (2 + 5)), 'round 1: warm-ups + runs; rounds 2, 3: min(warm-ups, 3) + runs');
  assert.equal(runtime.disposed, 2);
});

test('profileOpModels: an entry is the median of its rounds, so one slow round (a burst of load) does not move it', async () => {
  const clock = new FakeClock();
  let call = 0;
  // Model cost 40 µs, except every run of the second round (round-robin over a chunk of 2 models) at 400 µs.
  const runtime: Runtime = {
    name: 'fake',
    async load(bytes, tensors) {
      return {
        inputs: tensors.inputs.map((t) => new Int8Array(t.shape.reduce((a, b) => a * b, 1))),
        outputs: [],
        run: async () => {
          call += 1;
          // 2 models × 2 runs per round: calls 5..8 are round 2.
          const round = Math.floor((call - 1) / 4);
          clock.advance(round === 1 ? 400 : bytes.length);
        },
        dispose: async () => {},
      };
    },
  };
  const entries = await profileOpModels([model('a', 40), model('b', 40)], { runtime, clock, warmups: 0, runs: 2, rounds: 3, chunk: 2 });
  assert.deepEqual(entries.map((e) => e.p50Us), [40, 40]);
  assert.deepEqual(entries.map((e) => e.p99Us), [400, 400], 'the slow round shows in p99');
});
