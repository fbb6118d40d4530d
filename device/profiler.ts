/**
 * Profiler: W warm-up runs, then N timed runs of the whole chain; each segment's time (hand-off copy +
 * run, as the scheduler measures it) is recorded per run → p50/p99 per segment (nearest rank).
 * Inputs are whatever segment 0's buffer holds (zeros unless a request wrote it): the models' cost does
 * not depend on values.
 */
import os from 'node:os';
import type { SegmentLatency } from './bundle-manifest.ts';
import type { Chain } from './scheduler/chain.ts';
import type { Clock } from './scheduler/clock.ts';
import type { BundleProfile } from './store/store.ts';

/** Default warm-up and timed runs per segment. */
export const DEFAULT_WARMUPS = 20;
export const DEFAULT_PROFILE_RUNS = 200;

/** q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export interface ProfileOptions {
  warmups?: number;
  runs?: number;
  clock: Clock;
  /** Device name recorded in the profile (default: host name). */
  deviceName?: string;
}

/** Measures every segment of `chain`. */
export async function profileChain(chain: Chain, o: ProfileOptions): Promise<BundleProfile> {
  const warmups = o.warmups ?? DEFAULT_WARMUPS;
  const runs = o.runs ?? DEFAULT_PROFILE_RUNS;
  const times = chain.segments.map(() => new Array<number>(runs));
  for (let r = -warmups; r < runs; r++) {
    for (let k = 0; k < chain.segments.length; k++) {
      const start = o.clock.nowUs();
      chain.feed(k);
      await chain.segments[k].run();
      if (r >= 0) times[k][r] = o.clock.nowUs() - start;
    }
  }
  const segments: SegmentLatency[] = times.map((t) => {
    const sorted = [...t].sort((a, b) => a - b);
    return { p50Us: quantile(sorted, 0.5), p99Us: quantile(sorted, 0.99), runs };
  });
  return { device: o.deviceName ?? os.hostname(), measuredAt: new Date().toISOString(), segments };
}
