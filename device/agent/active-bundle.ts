/**
 * The bundle the agent serves: its segments loaded in a runtime and wired as a chain, its input
 * preprocessor, its latency profile (the saved one when it was measured on this device, else measured now)
 * and the live p99 trackers the scheduler reads.
 */
import type { BundleProfile } from '../../src/bundle-format/manifest.ts';
import { inputOfForm, segmentForm } from '../../src/bundle-format/segment-variants.ts';
import type { Runtime, LoadedSegment } from '../runtimes/runtime.ts';
import { wireChain, type Chain } from '../scheduler/chain.ts';
import { LatencyTracker } from '../scheduler/latency-tracker.ts';
import { makePreprocessor, type Preprocessor } from '../scheduler/preprocess.ts';
import type { InstalledBundle, Store } from '../store/store.ts';
import { loadParts, type ActiveParts, type PartsContext } from './active-parts.ts';
import { choosePlan, fullPathP50, planOfProfile, planText, trialPlans, type PrecisionChoice, type SegmentPlan } from './segment-plan.ts';

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
  /** Precision by measurement (`auto`) among the forms the bundle carries, or one precision. */
  precision: PrecisionChoice;
  deviceName: string;
  adaptive: boolean;
  /** Measures the chain's latency profile (not saved): to choose thread counts and precisions. */
  trial(chain: Chain, preprocess: Preprocessor): Promise<BundleProfile>;
  /** Measures the chain's latency profile, records each segment's plan, and saves it. */
  measure(chain: Chain, preprocess: Preprocessor, bundle: InstalledBundle, plan: SegmentPlan): Promise<BundleProfile>;
  log(line: string): void;
}

/** A chain loaded with `plan`, and the preprocessor of its first segment's input; every loaded segment is also pushed to `owned`. */
async function loadChain(bundle: InstalledBundle, plan: SegmentPlan, ctx: LoadContext, owned: LoadedSegment[]): Promise<{ chain: Chain; preprocess: Preprocessor }> {
  const m = bundle.manifest;
  const forms = plan.map((r, k) => segmentForm(m, k, r.precision));
  const segments: LoadedSegment[] = [];
  for (const [k, form] of forms.entries()) {
    const s = await ctx.runtime(plan[k].threads).load(await ctx.store.readFile(bundle, form.file), form);
    owned.push(s);
    segments.push(s);
  }
  return { chain: wireChain(m, segments, forms), preprocess: makePreprocessor(inputOfForm(m.input, forms[0])) };
}

/** A plan loaded into a chain of its own and profiled (not saved); the caller keeps or disposes it. */
interface Trial {
  plan: SegmentPlan;
  profile: BundleProfile;
  chain: Chain;
  preprocess: Preprocessor;
  owned: LoadedSegment[];
}

async function trialOf(bundle: InstalledBundle, plan: SegmentPlan, ctx: LoadContext): Promise<Trial> {
  const owned: LoadedSegment[] = [];
  try {
    const { chain, preprocess } = await loadChain(bundle, plan, ctx, owned);
    const profile = await ctx.trial(chain, preprocess);
    ctx.log(`${planText(plan)}: ${profile.segments.map((s, k) => `seg${k} p50 ${s.p50Us.toFixed(0)} µs`).join(', ')}`);
    return { plan, profile, chain, preprocess, owned };
  } catch (e) {
    await Promise.all(owned.map((s) => s.dispose()));
    throw e;
  }
}

/**
 * The plan with the lowest measured cost: every uniform plan (one precision, one thread count) is profiled
 * in turn, each segment takes its fastest, and the mixed plan that results is kept only when its measured
 * full path is no slower than the best uniform one's (hand-offs between precisions cost a conversion). The
 * chain of the plan kept is the one measured (no reload); the others are released.
 */
async function choose(bundle: InstalledBundle, ctx: LoadContext, owned: LoadedSegment[]): Promise<{ chain: Chain; preprocess: Preprocessor; plan: SegmentPlan; profile: BundleProfile }> {
  const m = bundle.manifest;
  const plans = trialPlans(m, ctx.precision, ctx.threadChoices);
  if (plans.length === 1) {
    const loaded = await loadChain(bundle, plans[0], ctx, owned);
    return { ...loaded, plan: plans[0], profile: await ctx.measure(loaded.chain, loaded.preprocess, bundle, plans[0]) };
  }
  const trials: Trial[] = [];
  const release = (keep?: Trial) => Promise.all(trials.filter((t) => t !== keep).flatMap((t) => t.owned.map((s) => s.dispose())));
  try {
    for (const plan of plans) trials.push(await trialOf(bundle, plan, ctx));
  } catch (e) {
    await release();
    throw e;
  }
  const uniform = trials.reduce((a, b) => (fullPathP50(b.profile) < fullPathP50(a.profile) ? b : a));
  const mixed = choosePlan(trials);
  const same = (a: SegmentPlan, b: SegmentPlan) => a.every((r, k) => r.precision === b[k].precision && r.threads === b[k].threads);
  if (!same(mixed, uniform.plan)) {
    await release(uniform);
    const mixedTrial = await trialOf(bundle, mixed, ctx);
    if (fullPathP50(mixedTrial.profile) <= fullPathP50(uniform.profile)) {
      ctx.log(`chosen ${planText(mixed)}: full path p50 ${fullPathP50(mixedTrial.profile).toFixed(0)} µs against ${fullPathP50(uniform.profile).toFixed(0)} µs for the best uniform plan`);
      await Promise.all(uniform.owned.map((s) => s.dispose()));
      owned.push(...mixedTrial.owned);
      return { chain: mixedTrial.chain, preprocess: mixedTrial.preprocess, plan: mixed, profile: await ctx.measure(mixedTrial.chain, mixedTrial.preprocess, bundle, mixed) };
    }
    ctx.log(`${planText(mixed)} measured ${fullPathP50(mixedTrial.profile).toFixed(0)} µs on the full path, slower than ${planText(uniform.plan)} (${fullPathP50(uniform.profile).toFixed(0)} µs): keeping the uniform plan`);
    await Promise.all(mixedTrial.owned.map((s) => s.dispose()));
  } else {
    await release(uniform);
  }
  owned.push(...uniform.owned);
  return { chain: uniform.chain, preprocess: uniform.preprocess, plan: uniform.plan, profile: await ctx.measure(uniform.chain, uniform.preprocess, bundle, uniform.plan) };
}

/**
 * Loads `bundle`'s segments and profiles them unless a profile from this device (with the request overhead,
 * and with each segment's threads and precision when there is a choice) is saved and `forceProfile` is off.
 * With a choice of thread counts or precisions, each segment runs with the fastest measured. On failure
 * every loaded segment is disposed; nothing else is touched.
 */
export async function loadBundle(bundle: InstalledBundle, forceProfile: boolean, ctx: LoadContext): Promise<ActiveBundle> {
  const owned: LoadedSegment[] = [];
  try {
    const saved = await ctx.store.readProfile(bundle);
    // A profile without the request overhead predates its measurement: measure again.
    const savedPlan = saved && saved.device === ctx.deviceName && saved.overhead ? planOfProfile(bundle.manifest, saved, ctx.precision, ctx.threadChoices) : undefined;
    if (saved && savedPlan && !forceProfile) {
      const { chain, preprocess } = await loadChain(bundle, savedPlan, ctx, owned);
      return withParts({ bundle, chain, preprocess, profile: saved, ...trackersFor(saved, ctx.adaptive) }, false, ctx, owned);
    }
    const { chain, preprocess, profile } = await choose(bundle, ctx, owned);
    return withParts({ bundle, chain, preprocess, profile, ...trackersFor(profile, ctx.adaptive) }, forceProfile, ctx, owned);
  } catch (e) {
    await Promise.all(owned.map((s) => s.dispose()));
    throw e;
  }
}

/** `active` with its bundle's trunks and heads loaded (and profiled when needed), when the bundle is split. */
async function withParts(active: ActiveBundle, forceProfile: boolean, ctx: LoadContext, owned: LoadedSegment[]): Promise<ActiveBundle> {
  const loaded = await loadParts(active.bundle, active.profile, forceProfile, ctx, owned);
  return loaded ? { ...active, profile: loaded.profile, parts: loaded.parts } : active;
}
