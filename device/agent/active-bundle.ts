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
import { loadParts, type ActiveParts, type PartsContext } from './active-parts.ts';

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
  /** Trunks and heads of a split bundle, for the `planned` policy (active-parts.ts). */
  parts?: ActiveParts;
}

/** Live p99 trackers from a profile; `adaptive: false` keeps the profile's p99 as is. */
export function trackersFor(profile: BundleProfile, adaptive: boolean): Pick<ActiveBundle, 'tracker' | 'overheadTracker'> {
  const make = (p99: number[]) => (adaptive ? new LatencyTracker(p99) : new LatencyTracker(p99, 1, Number.POSITIVE_INFINITY));
  const over = profile.overhead;
  return { tracker: make(profile.segments.map((seg) => seg.p99Us)), overheadTracker: make([over?.input.p99Us ?? 0, over?.answer.p99Us ?? 0]) };
}

/** What loading a bundle needs from the agent. */
export interface LoadContext extends Pick<PartsContext, 'measureParts'> {
  store: Store;
  /** The runtime with `threads` CPU threads. */
  runtime(threads: number): Runtime;
  /** Thread counts to choose from per segment (one: no choice, nothing extra measured). */
  threadChoices: readonly number[];
  deviceName: string;
  adaptive: boolean;
  /** Measures the chain's latency profile (not saved): to choose thread counts. */
  trial(chain: Chain, preprocess: Preprocessor): Promise<BundleProfile>;
  /** Measures the chain's latency profile, records each segment's threads, and saves it. */
  measure(chain: Chain, preprocess: Preprocessor, bundle: InstalledBundle, threads: readonly number[]): Promise<BundleProfile>;
  log(line: string): void;
}

/** More threads are kept for a segment only when they bring its p50 below this fraction of the fewer threads'. */
const THREADS_MARGIN = 0.95;

/** Loads segment k of `bundle` with `threads[k]` threads; every loaded segment is also pushed to `owned`. */
async function loadSegments(bundle: InstalledBundle, threads: readonly number[], ctx: LoadContext, owned: LoadedSegment[]): Promise<LoadedSegment[]> {
  const segments: LoadedSegment[] = [];
  for (const [k, seg] of bundle.manifest.segments.entries()) {
    const s = await ctx.runtime(threads[k]).load(await ctx.store.readFile(bundle, seg.file), seg);
    owned.push(s);
    segments.push(s);
  }
  return segments;
}

/**
 * Per segment, the thread count with the lowest profiled p50 among the choices (each choice loaded and
 * profiled as a whole chain in turn, then released). Near-ties keep the fewer threads (THREADS_MARGIN).
 */
async function chooseThreads(bundle: InstalledBundle, preprocess: Preprocessor, ctx: LoadContext): Promise<number[]> {
  const n = bundle.manifest.segments.length;
  const best = new Array<number>(n).fill(ctx.threadChoices[0]);
  const bestP50 = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
  for (const threads of ctx.threadChoices) {
    const owned: LoadedSegment[] = [];
    try {
      const chain = wireChain(bundle.manifest, await loadSegments(bundle, new Array<number>(n).fill(threads), ctx, owned));
      const p = await ctx.trial(chain, preprocess);
      p.segments.forEach((s, k) => {
        if (s.p50Us < bestP50[k] * THREADS_MARGIN) {
          best[k] = threads;
          bestP50[k] = s.p50Us;
        }
      });
      ctx.log(`${threads} thread(s): ${p.segments.map((s, k) => `seg${k} p50 ${s.p50Us.toFixed(0)} µs`).join(', ')}`);
    } finally {
      await Promise.all(owned.map((s) => s.dispose()));
    }
  }
  return best;
}

/**
 * Loads `bundle`'s segments and profiles them unless a profile from this device (with the request overhead,
 * and with each segment's threads when there is a choice) is saved and `forceProfile` is off. With a choice
 * of thread counts, each segment runs with the fastest measured. On failure every loaded segment is
 * disposed; nothing else is touched.
 */
export async function loadBundle(bundle: InstalledBundle, forceProfile: boolean, ctx: LoadContext): Promise<ActiveBundle> {
  const owned: LoadedSegment[] = [];
  try {
    const n = bundle.manifest.segments.length;
    const preprocess = makePreprocessor(bundle.manifest.input);
    const saved = await ctx.store.readProfile(bundle);
    // A profile without the request overhead predates its measurement: measure again.
    const threadsRecorded = saved?.segments.every((s) => s.threads !== undefined && ctx.threadChoices.includes(s.threads)) ?? false;
    const usable = saved && saved.device === ctx.deviceName && saved.segments.length === n && saved.overhead && (ctx.threadChoices.length === 1 || threadsRecorded);
    if (usable && !forceProfile) {
      const chain = wireChain(bundle.manifest, await loadSegments(bundle, saved.segments.map((s) => s.threads ?? ctx.threadChoices[0]), ctx, owned));
      return withParts({ bundle, chain, preprocess, profile: saved, ...trackersFor(saved, ctx.adaptive) }, false, ctx, owned);
    }
    const threads = ctx.threadChoices.length === 1 ? new Array<number>(n).fill(ctx.threadChoices[0]) : await chooseThreads(bundle, preprocess, ctx);
    const chain = wireChain(bundle.manifest, await loadSegments(bundle, threads, ctx, owned));
    const profile = await ctx.measure(chain, preprocess, bundle, threads);
    return withParts({ bundle, chain, preprocess, profile, ...trackersFor(profile, ctx.adaptive) }, forceProfile, ctx, owned);
  } catch (e) {
    await Promise.all(owned.map((s) => s.dispose()));
    throw e;
  }
}

/** `active` with its bundle's trunks and heads loaded (and profiled when needed), when the bundle is split. */
async function withParts(active: ActiveBundle, forceProfile: boolean, ctx: LoadContext, owned: LoadedSegment[]): Promise<ActiveBundle> {
  const loaded = await loadParts(active.bundle, active.profile, active.preprocess, forceProfile, ctx, owned);
  return loaded ? { ...active, profile: loaded.profile, parts: loaded.parts } : active;
}
