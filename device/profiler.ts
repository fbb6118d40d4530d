/**
 * Profiler: W warm-up requests, then N timed full-path requests through the scheduler (runAnytime with an
 * unlimited budget), on a fixed raw uint8 image of the model's size. Per request it records each
 * segment's time (hand-off copy + run, as the scheduler measures it) and the time outside the segments:
 * the input phase (request checks + preprocessing) and the answer phase (softmax, top-k, answer) →
 * p50/p99 of each (nearest rank). The models' cost does not depend on the values of the image.
 */
import os from 'node:os';
import type { SegmentLatency } from '../src/bundle-format/manifest.ts';
import type { Chain } from './scheduler/chain.ts';
import type { Clock } from './scheduler/clock.ts';
import { inputGeometry, type Preprocessor } from './scheduler/preprocess.ts';
import { runAnytime } from './scheduler/run-anytime.ts';
import type { BundleProfile } from '../src/bundle-format/manifest.ts';

/** Default warm-up and timed runs per segment. */
export const DEFAULT_WARMUPS = 20;
export const DEFAULT_PROFILE_RUNS = 200;

/** Budget of a profiling request, µs: large enough that every segment runs. */
const UNLIMITED_BUDGET_US = 1e12;

/** q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** p50 and p99 (nearest rank) of measured times, µs. */
export function latencyOf(times: ArrayLike<number>): SegmentLatency {
  const sorted = Float64Array.from(times).sort();
  return { p50Us: quantile(sorted, 0.5), p99Us: quantile(sorted, 0.99), runs: sorted.length };
}

export interface ProfileOptions {
  warmups?: number;
  runs?: number;
  clock: Clock;
  /** Device name recorded in the profile (default: host name). */
  deviceName?: string;
}

/** What the profiler runs: the bundle's chain and its input preprocessing. */
export interface ProfileTarget {
  chain: Chain;
  preprocess: Preprocessor;
}

/** Measures every segment of the chain and the request overhead around them. */
export async function profileChain(target: ProfileTarget, o: ProfileOptions): Promise<BundleProfile> {
  const warmups = o.warmups ?? DEFAULT_WARMUPS;
  const runs = o.runs ?? DEFAULT_PROFILE_RUNS;
  const { chain } = target;
  const g = inputGeometry(chain.manifest.input);
  const image = Uint8Array.from({ length: g.height * g.width * g.channels }, (_, i) => (i * 37) & 255);
  const times = chain.segments.map(() => new Float64Array(runs));
  const input = new Float64Array(runs);
  const answer = new Float64Array(runs);
  let r = -warmups;
  const setup = {
    chain,
    preprocess: target.preprocess,
    p99Us: chain.segments.map(() => 0),
    inputP99Us: 0,
    answerP99Us: 0,
    safetyFactor: 1,
    clock: o.clock,
    observe: (k: number, us: number) => { if (r >= 0) times[k][r] = us; },
    observeOverhead: (inUs: number, outUs: number) => {
      if (r < 0) return;
      input[r] = inUs;
      answer[r] = outUs;
    },
  };
  const request = { input: image, shape: [g.height, g.width, g.channels], budgetUs: UNLIMITED_BUDGET_US, policy: 'deadline' as const };
  for (; r < runs; r++) await runAnytime(setup, request);
  return {
    device: o.deviceName ?? os.hostname(),
    measuredAt: new Date().toISOString(),
    segments: times.map(latencyOf),
    overhead: { input: latencyOf(input), answer: latencyOf(answer) },
  };
}
