/**
 * A bundle's segment latencies as the agent measures them, robust to a burst of load: the profile taken when
 * it was installed, then `repeats − 1` re-measurements; each segment keeps the median p50 (and the largest
 * p99). Used for the latency predictor's calibration networks, on this machine (src/latency) and on a device
 * (an op pack's bundle items).
 */
import type { Agent } from '../agent.ts';
import { RanasError } from '../../src/errors.ts';
import type { SegmentTiming } from './op-pack-profiler.ts';

/**
 * Profiles per bundle: a burst of load on a shared machine during one profile (~0.3 s for the tiny preset)
 * moved every segment of that network by 10-15 % here; the median of three does not move with one burst.
 */
export const DEFAULT_PROFILE_REPEATS = 3;

/** Median timings of the agent's active bundle over `repeats` profiles (the first is the install's). */
export async function medianSegmentTimings(agent: Pick<Agent, 'active' | 'profile'>, repeats = DEFAULT_PROFILE_REPEATS): Promise<SegmentTiming[]> {
  const active = agent.active();
  if (!active) throw new RanasError('E_NO_BUNDLE', 'the scratch agent has no active bundle to profile');
  const profiles = [active.profile];
  for (let r = 1; r < repeats; r++) profiles.push(await agent.profile());
  return active.profile.segments.map((_, k) => {
    const p50s = profiles.map((p) => p.segments[k].p50Us).sort((a, b) => a - b);
    const p50Us = p50s[Math.floor((p50s.length - 1) / 2)];
    return { p50Us, p99Us: Math.max(p50Us, ...profiles.map((p) => p.segments[k].p99Us)), runs: profiles.reduce((s, p) => s + p.segments[k].runs, 0) };
  });
}
