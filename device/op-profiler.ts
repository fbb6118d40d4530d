/**
 * Op profiler (`ranas device profile-ops`): measures small standalone op models on the device's runtime, as
 * the segment profiler measures a bundle's segments — each model loaded once, its inputs filled with a fixed
 * pattern (an op's cost does not depend on the values), W warm-up runs, then N timed `run()` calls → p50/p99
 * (nearest rank). Models whose key is already measured are skipped (a resumed run), and each finished entry
 * is handed to `onEntry` at once, so an interruption loses at most the model being measured.
 */
import type { LatencyEntry, OpModel } from '../src/bundle-format/latency-table.ts';
import type { Clock } from './scheduler/clock.ts';
import { latencyOf } from './profiler.ts';
import type { Runtime, TensorArray } from './runtimes/runtime.ts';

/** Default warm-up and timed runs per op model (ops are short: tens of µs). */
export const DEFAULT_OP_WARMUPS = 10;
export const DEFAULT_OP_RUNS = 100;

/** Options of `profileOpModels`. */
export interface OpProfileOptions {
  runtime: Runtime;
  clock: Clock;
  warmups?: number;
  runs?: number;
  /** Keys already measured (skipped). */
  done?: ReadonlySet<string>;
  /** Called with each new entry as soon as it is measured. */
  onEntry?: (entry: LatencyEntry, index: number, total: number) => void;
}

function fillPattern(a: TensorArray): void {
  for (let i = 0; i < a.length; i++) a[i] = a instanceof Float32Array ? ((i * 37) % 255) / 255 - 0.5 : ((i * 37) & 127) - 64;
}

/** Times `run()` of one loaded model: p50/p99 over `runs` calls after `warmups`. */
export async function timeModel(run: () => Promise<void>, clock: Clock, warmups: number, runs: number): Promise<Omit<LatencyEntry, 'key' | 'part'>> {
  for (let i = 0; i < warmups; i++) await run();
  const times = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = clock.nowUs();
    await run();
    times[i] = clock.nowUs() - t0;
  }
  const { p50Us, p99Us } = latencyOf(times);
  return { p50Us, p99Us, runs };
}

/** Measures every op model not yet in `done`; returns the new entries in model order. */
export async function profileOpModels(models: readonly OpModel[], o: OpProfileOptions): Promise<LatencyEntry[]> {
  const warmups = o.warmups ?? DEFAULT_OP_WARMUPS;
  const runs = o.runs ?? DEFAULT_OP_RUNS;
  const out: LatencyEntry[] = [];
  for (const [i, m] of models.entries()) {
    if (o.done?.has(m.key)) continue;
    const loaded = await o.runtime.load(m.bytes, { inputs: m.inputs, outputs: m.outputs });
    try {
      loaded.inputs.forEach(fillPattern);
      const entry: LatencyEntry = { key: m.key, part: m.part, ...(await timeModel(() => loaded.run(), o.clock, warmups, runs)) };
      out.push(entry);
      o.onEntry?.(entry, i, models.length);
    } finally {
      await loaded.dispose();
    }
  }
  return out;
}
