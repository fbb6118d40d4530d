/**
 * The bundle the agent serves: its segments loaded in a runtime and wired as a chain, its input
 * preprocessor, its latency profile (the saved one when it was measured on this device, else measured now)
 * and the live p99 trackers the scheduler reads.
 */
import type { BundleProfile } from '../../src/bundle-format/manifest.ts';
import type { Runtime, LoadedSegment } from '../runtimes/runtime.ts';
import { wireChain, type Chain } from '../scheduler/chain.ts';
import { LatencyTracker } from '../scheduler/latency-tracker.ts';
import { makePreprocessor, type Preprocessor } from '../scheduler/preprocess.ts';
import type { InstalledBundle, Store } from '../store/store.ts';

/** A loaded, profiled bundle. */
export interface ActiveBundle {
  bundle: InstalledBundle;
  chain: Chain;
  preprocess: Preprocessor;
  profile: BundleProfile;
  /** Live p99 per segment: the profile's, raised when recent runs are slower (adaptive mode). */
  tracker: LatencyTracker;
  /** Live p99 of the request overhead outside the segments: [input, answer] (same rule). */
  overheadTracker: LatencyTracker;
}

/** Live p99 trackers from a profile; `adaptive: false` keeps the profile's p99 as is. */
export function trackersFor(profile: BundleProfile, adaptive: boolean): Pick<ActiveBundle, 'tracker' | 'overheadTracker'> {
  const make = (p99: number[]) => (adaptive ? new LatencyTracker(p99) : new LatencyTracker(p99, 1, Number.POSITIVE_INFINITY));
  const over = profile.overhead;
  return { tracker: make(profile.segments.map((seg) => seg.p99Us)), overheadTracker: make([over?.input.p99Us ?? 0, over?.answer.p99Us ?? 0]) };
}

/** What loading a bundle needs from the agent. */
export interface LoadContext {
  store: Store;
  runtime: Runtime;
  deviceName: string;
  adaptive: boolean;
  /** Measures the chain's latency profile and saves it. */
  measure(chain: Chain, preprocess: Preprocessor, bundle: InstalledBundle): Promise<BundleProfile>;
}

/**
 * Loads `bundle`'s segments and profiles them unless a profile from this device (with the request overhead)
 * is saved and `forceProfile` is off. On failure every loaded segment is disposed; nothing else is touched.
 */
export async function loadBundle(bundle: InstalledBundle, forceProfile: boolean, ctx: LoadContext): Promise<ActiveBundle> {
  const loaded: LoadedSegment[] = [];
  try {
    for (const seg of bundle.manifest.segments) loaded.push(await ctx.runtime.load(await ctx.store.readFile(bundle, seg.file), seg));
    const chain = wireChain(bundle.manifest, loaded);
    const preprocess = makePreprocessor(bundle.manifest.input);
    const saved = await ctx.store.readProfile(bundle);
    // A profile without the request overhead predates its measurement: measure again.
    const usable = saved && saved.device === ctx.deviceName && saved.segments.length === bundle.manifest.segments.length && saved.overhead;
    const profile = usable && !forceProfile ? saved : await ctx.measure(chain, preprocess, bundle);
    return { bundle, chain, preprocess, profile, ...trackersFor(profile, ctx.adaptive) };
  } catch (e) {
    await Promise.all(loaded.map((s) => s.dispose()));
    throw e;
  }
}
