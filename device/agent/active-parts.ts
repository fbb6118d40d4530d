/**
 * A split bundle's trunks and heads (`manifest.split`, `ranas export --split-heads`) loaded beside its chain
 * for the `planned` policy, in the manifest's precision (the chain may run other forms of its segments, so the parts
 * have their own input preprocessor): trunk k and head k run with segment k's thread count; their latency is the saved
 * profile's `parts` when present (and no re-profile is asked), else measured now and saved with the profile.
 */
import type { BundleProfile, PartLatencies } from '../../src/bundle-format/manifest.ts';
import type { LoadedSegment, Runtime } from '../runtimes/runtime.ts';
import { wirePartChain, type PartChain } from '../scheduler/part-chain.ts';
import { LatencyTracker } from '../scheduler/latency-tracker.ts';
import { makePreprocessor, type Preprocessor } from '../scheduler/preprocess.ts';
import type { InstalledBundle, Store } from '../store/store.ts';

/** The parts of the active bundle. */
export interface ActiveParts {
  chain: PartChain;
  /** Input preprocessing into trunk 0 (the manifest's input). */
  preprocess: Preprocessor;
  latency: PartLatencies;
  /** Live p99 of trunks 0..n−1, heads 0..n−1, then steps 0..n−1 (same rule as the segments' tracker). */
  tracker: LatencyTracker;
}

/** What loading parts needs from the agent. */
export interface PartsContext {
  store: Store;
  runtime(threads: number): Runtime;
  threadChoices: readonly number[];
  adaptive: boolean;
  /** Measures the parts' latency and saves it in the profile; returns the profile with `parts`. */
  measureParts(parts: PartChain, preprocess: Preprocessor, bundle: InstalledBundle, profile: BundleProfile): Promise<BundleProfile>;
}

/** Live tracker of the parts' p99: trunks, heads, then steps; `adaptive: false` keeps the profile's. */
export function partsTrackerFor(latency: PartLatencies, adaptive: boolean): LatencyTracker {
  const p99 = [...latency.trunks, ...latency.heads, ...latency.steps].map((l) => l.p99Us);
  return adaptive ? new LatencyTracker(p99) : new LatencyTracker(p99, 1, Number.POSITIVE_INFINITY);
}

/**
 * Loads the parts of `bundle` when it has any (else undefined), every loaded part pushed to `owned`; returns
 * them with the profile, which holds `parts` afterwards.
 */
export async function loadParts(
  bundle: InstalledBundle,
  profile: BundleProfile,
  forceProfile: boolean,
  ctx: PartsContext,
  owned: LoadedSegment[],
): Promise<{ parts: ActiveParts; profile: BundleProfile } | undefined> {
  const split = bundle.manifest.split;
  if (!split) return undefined;
  const load = async (k: number, part: (typeof split)[number]['trunk']) => {
    const threads = profile.segments[k]?.threads ?? ctx.threadChoices[0];
    const s = await ctx.runtime(threads).load(await ctx.store.readFile(bundle, part.file), part);
    owned.push(s);
    return s;
  };
  const trunks: LoadedSegment[] = [];
  const heads: LoadedSegment[] = [];
  for (const [k, s] of split.entries()) {
    trunks.push(await load(k, s.trunk));
    heads.push(await load(k, s.head));
  }
  const chain = wirePartChain(bundle.manifest, trunks, heads);
  const preprocess = makePreprocessor(bundle.manifest.input);
  const saved = profile.parts;
  const usable = saved && [saved.trunks, saved.heads, saved.steps].every((l) => l.length === split.length);
  const measured = usable && !forceProfile ? profile : await ctx.measureParts(chain, preprocess, bundle, profile);
  const latency = measured.parts ?? { trunks: [], heads: [], steps: [] };
  return { parts: { chain, preprocess, latency, tracker: partsTrackerFor(latency, ctx.adaptive) }, profile: measured };
}
