/**
 * A Runtime for tests without model files: segment k (taken from its `exit<k>/logits` output name)
 * advances a clock by `costsUs[k]` (a FakeClock, so timing is exact) and writes
 * - its logits output: `logits(k, firstInput)`;
 * - every other output: the first input plus one (so tests can see tensors handed between segments).
 * Trunk and head files of a split bundle (device/testing/fake-bundle.ts `split`) are told apart by their tensors:
 * trunk k hands on `state<k>` and has no logits; head k reads `state<k>` and gives `exit<k>/logits`. They cost
 * `partCostsUs` and count their runs in `partRuns` (`trunk<k>`, `head<k>`).
 * With `readoutUs`, every read of a segment's `outputs` advances the clock too (reading an exit's logits
 * in the scheduler, and the hand-off copy into the next segment), to model work outside `run()`.
 */
import { RanasError } from '../../src/errors.ts';
import type { FakeClock } from '../scheduler/clock.ts';
import { TYPED_ARRAY, elementCount, type LoadedSegment, type Runtime, type TensorArray } from './runtime.ts';

export interface FakeRuntimeOptions {
  clock: FakeClock;
  /** Time each segment takes, µs (index = segment). */
  costsUs: number[] | ((k: number, call: number) => number);
  /** Logits of exit k given the segment's first input. */
  logits: (k: number, input: TensorArray) => number[];
  /** Time each read of a segment's `outputs` takes, µs (default 0). */
  readoutUs?: number;
  /** Time each trunk and head of a split bundle takes, µs (index = segment). */
  partCostsUs?: { trunk: number[]; head: number[] } | ((part: 'trunk' | 'head', k: number, call: number) => number);
}

/** Counts of runs per segment, for tests. */
export interface FakeRuntime extends Runtime {
  runs: number[];
  /** Runs per part of a split bundle, by `trunk<k>` / `head<k>`. */
  partRuns: Map<string, number>;
}

export function fakeRuntime(o: FakeRuntimeOptions): FakeRuntime {
  const runs: number[] = [];
  const partRuns = new Map<string, number>();
  /** Trunk or head k when `tensors` are a split bundle's part, else undefined. */
  const partOf = (tensors: { inputs: { name: string }[]; outputs: { name: string }[] }): { part: 'trunk' | 'head'; k: number } | undefined => {
    const exit = tensors.outputs.map((t) => /^exit(\d+)\/logits$/.exec(t.name)?.[1]).find((x) => x !== undefined);
    if (exit === undefined) {
      const state = tensors.outputs.map((t) => /^state(\d+)$/.exec(t.name)?.[1]).find((x) => x !== undefined);
      return state === undefined ? undefined : { part: 'trunk', k: Number(state) };
    }
    return tensors.inputs.some((t) => t.name === `state${exit}`) ? { part: 'head', k: Number(exit) } : undefined;
  };
  return {
    name: 'fake',
    runs,
    partRuns,
    async load(_bytes, tensors) {
      const part = partOf(tensors);
      if (part) {
        const key = `${part.part}${part.k}`;
        partRuns.set(key, 0);
        const inputs = tensors.inputs.map((t) => TYPED_ARRAY[t.dtype](elementCount(t.shape)));
        const outputs = tensors.outputs.map((t) => TYPED_ARRAY[t.dtype](elementCount(t.shape)));
        return {
          inputs,
          outputs,
          async run() {
            const call = partRuns.get(key) ?? 0;
            partRuns.set(key, call + 1);
            const c = o.partCostsUs;
            o.clock.advance(c === undefined ? 0 : typeof c === 'function' ? c(part.part, part.k, call) : c[part.part][part.k]);
            tensors.outputs.forEach((t, j) => {
              if (part.part === 'head') outputs[j].set(o.logits(part.k, inputs[0]));
              else for (let i = 0; i < outputs[j].length; i++) outputs[j][i] = (inputs[0][i % inputs[0].length] ?? 0) + 1;
            });
          },
          async dispose() {},
        };
      }
      const k = Number(tensors.outputs.map((t) => /exit(\d+)\/logits/.exec(t.name)?.[1]).find((x) => x !== undefined));
      if (!Number.isInteger(k)) throw new RanasError('E_FAKE_RUNTIME', `fake runtime: no exit<k>/logits among outputs ${tensors.outputs.map((t) => t.name).join(', ')}`);
      runs[k] = 0;
      const inputs = tensors.inputs.map((t) => TYPED_ARRAY[t.dtype](elementCount(t.shape)));
      const outputs = tensors.outputs.map((t) => TYPED_ARRAY[t.dtype](elementCount(t.shape)));
      const seg: LoadedSegment = {
        inputs,
        get outputs() {
          if (o.readoutUs) o.clock.advance(o.readoutUs);
          return outputs;
        },
        async run() {
          const cost = typeof o.costsUs === 'function' ? o.costsUs(k, runs[k]) : o.costsUs[k];
          runs[k]++;
          o.clock.advance(cost);
          tensors.outputs.forEach((t, j) => {
            const out = outputs[j];
            if (t.name === `exit${k}/logits`) out.set(o.logits(k, inputs[0]));
            else for (let i = 0; i < out.length; i++) out[i] = (inputs[0][i % inputs[0].length] ?? 0) + 1;
          });
        },
        async dispose() {},
      };
      return seg;
    },
  };
}
