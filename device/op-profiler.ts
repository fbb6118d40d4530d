/**
 * Op profiler (`ranas device profile-ops`): measures small standalone op models on the device's runtime, as
 * the segment profiler measures a bundle's segments — each model loaded once, its inputs filled with a fixed
 * pattern (an op's cost does not depend on the values), W warm-up runs, then N timed `run()` calls → p50/p99
 * (nearest rank). On a shared machine a burst of load during one model's few milliseconds would bias its
 * entry alone, so models are measured in chunks, round-robin over R rounds (each round: a short warm-up and
 * N timed runs of every model of the chunk): the entry's p50 is the median of its rounds' p50s, its p99 that
 * of all its runs. Models whose key is already measured are skipped (a resumed run), and each chunk's entries
 * are handed to `onEntry` as soon as the chunk is done, so an interruption loses at most one chunk.
 */
import type { LatencyEntry, OpModel } from '../src/bundle-format/latency-table.ts';
import type { Clock } from './scheduler/clock.ts';
import { latencyOf, quantile } from './profiler.ts';
import type { LoadedSegment, Runtime, TensorArray } from './runtimes/runtime.ts';

/**
 * Default warm-up and timed runs per op model and round. Ops are short (tens to hundreds of µs), and with 100
 * runs two tables of the tiny config measured back to back on a quiet machine disagreed entry by entry by up
 * to 15-24 % (5th-95th percentile of the ratio 0.96-1.15), noise that every network using those entries then
 * inherits; with 1,000 runs 0.96-1.01 (extremes 0.94-1.05), and the table took 14 s instead of 5 (session 7).
 */
export const DEFAULT_OP_WARMUPS = 10;
export const DEFAULT_OP_RUNS = 1000;
/** Default rounds and models per chunk. */
export const DEFAULT_OP_ROUNDS = 3;
export const DEFAULT_OP_CHUNK = 16;

/** Options of `profileOpModels`. */
export interface OpProfileOptions {
  runtime: Runtime;
  clock: Clock;
  warmups?: number;
  runs?: number;
  /** Round-robin rounds over each chunk (default 3; 1 = each model once, back to back). */
  rounds?: number;
  /** Models loaded and measured together (default 16). */
  chunk?: number;
  /** Keys already measured (skipped). */
  done?: ReadonlySet<string>;
  /** Called with each new entry as soon as it is measured. */
  onEntry?: (entry: LatencyEntry, index: number, total: number) => void;
}

function fillPattern(a: TensorArray): void {
  for (let i = 0; i < a.length; i++) a[i] = a instanceof Float32Array ? ((i * 37) % 255) / 255 - 0.5 : ((i * 37) & 127) - 64;
}

/** Times of `runs` calls of `run()` after `warmups` untimed ones, µs. */
export async function timeRuns(run: () => Promise<void>, clock: Clock, warmups: number, runs: number): Promise<Float64Array> {
  for (let i = 0; i < warmups; i++) await run();
  const times = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = clock.nowUs();
    await run();
    times[i] = clock.nowUs() - t0;
  }
  return times;
}

/** Measures every op model not yet in `done`; returns the new entries in model order. */
export async function profileOpModels(models: readonly OpModel[], o: OpProfileOptions): Promise<LatencyEntry[]> {
  const warmups = o.warmups ?? DEFAULT_OP_WARMUPS;
  const runs = o.runs ?? DEFAULT_OP_RUNS;
  const rounds = o.rounds ?? DEFAULT_OP_ROUNDS;
  const chunkSize = o.chunk ?? DEFAULT_OP_CHUNK;
  const todo = [...models.entries()].filter(([, m]) => !o.done?.has(m.key));
  const out: LatencyEntry[] = [];
  for (let c = 0; c < todo.length; c += chunkSize) {
    const chunk = todo.slice(c, c + chunkSize);
    const loaded: LoadedSegment[] = [];
    try {
      for (const [, m] of chunk) {
        const seg = await o.runtime.load(m.bytes, { inputs: m.inputs, outputs: m.outputs });
        seg.inputs.forEach(fillPattern);
        loaded.push(seg);
      }
      const roundP50s = chunk.map(() => new Float64Array(rounds));
      const all = chunk.map(() => new Float64Array(rounds * runs));
      for (let r = 0; r < rounds; r++) {
        for (const [j, seg] of loaded.entries()) {
          const times = await timeRuns(() => seg.run(), o.clock, r === 0 ? warmups : Math.min(warmups, 3), runs);
          all[j].set(times, r * runs);
          roundP50s[j][r] = latencyOf(times).p50Us;
        }
      }
      chunk.forEach(([i, m], j) => {
        const entry: LatencyEntry = { key: m.key, part: m.part, p50Us: quantile(Float64Array.from(roundP50s[j]).sort(), 0.5), p99Us: latencyOf(all[j]).p99Us, runs: rounds * runs };
        entry.p99Us = Math.max(entry.p99Us, entry.p50Us);
        out.push(entry);
        o.onEntry?.(entry, i, models.length);
      });
    } finally {
      for (const seg of loaded) await seg.dispose();
    }
  }
  return out;
}
