/**
 * How each segment of the active bundle runs: its precision (when the bundle carries variants) and its CPU
 * threads, chosen by measurement. `choosePlan` takes the per-segment p50 of every uniform trial (all
 * segments in one precision with one thread count) and keeps per segment the fastest allowed choice; fewer
 * threads are kept unless more bring the p50 below THREADS_MARGIN of theirs (a thread count that makes a
 * segment slower is never kept).
 */
import type { BundleManifest, BundlePrecision, BundleProfile } from '../../src/bundle-format/manifest.ts';
import { allowedPrecisions, bundlePrecisions, segmentForms } from '../../src/bundle-format/segment-variants.ts';

/** One segment's run settings. */
export interface SegmentRun {
  precision: BundlePrecision;
  threads: number;
}

/** Every segment's run settings, in manifest order. */
export type SegmentPlan = SegmentRun[];

/** What the agent was asked: choose precision by measurement (`auto`, the default) or always run one. */
export type PrecisionChoice = 'auto' | BundlePrecision;

/** More threads are kept for a segment only when they bring its p50 below this fraction of the fewer threads'. */
export const THREADS_MARGIN = 0.95;

/** The precisions segment k may run in under `choice` (a fixed precision the segment lacks: its own). */
export function precisionsFor(m: BundleManifest, k: number, choice: PrecisionChoice): BundlePrecision[] {
  if (choice === 'auto') return allowedPrecisions(m, k);
  return segmentForms(m, k).some((f) => f.precision === choice) ? [choice] : [m.precision];
}

/** The uniform plans to measure: every precision some segment may run in, by every thread count. */
export function trialPlans(m: BundleManifest, choice: PrecisionChoice, threadChoices: readonly number[]): SegmentPlan[] {
  const allowed = m.segments.map((_, k) => precisionsFor(m, k, choice));
  const precisions = bundlePrecisions(m).filter((p) => allowed.some((a) => a.includes(p)));
  return precisions.flatMap((p) => threadChoices.map((threads) => allowed.map((a) => ({ precision: a.includes(p) ? p : a[0], threads }))));
}

/** Full-path p50 of a profile: every segment plus the request overhead. */
export function fullPathP50(p: BundleProfile): number {
  return p.segments.reduce((s, x) => s + x.p50Us, 0) + (p.overhead ? p.overhead.input.p50Us + p.overhead.answer.p50Us : 0);
}

/** Per segment, the fastest measured (precision, threads) of the trials (ties and near-ties: fewer threads). */
export function choosePlan(trials: readonly { plan: SegmentPlan; profile: BundleProfile }[]): SegmentPlan {
  const n = trials[0]?.plan.length ?? 0;
  const best: { run: SegmentRun; p50: number }[] = [];
  for (let k = 0; k < n; k++) {
    for (const t of trials) {
      const run = t.plan[k];
      const p50 = t.profile.segments[k].p50Us;
      const cur = best[k];
      const margin = cur && cur.run.precision === run.precision && run.threads > cur.run.threads ? THREADS_MARGIN : 1;
      if (!cur || p50 < cur.p50 * margin) best[k] = { run, p50 };
    }
  }
  return best.map((b) => b.run);
}

/** Plan of a saved profile, when it records a usable choice for every segment (else undefined). */
export function planOfProfile(m: BundleManifest, p: BundleProfile, choice: PrecisionChoice, threadChoices: readonly number[]): SegmentPlan | undefined {
  if (p.segments.length !== m.segments.length) return undefined;
  const plan = p.segments.map((s, k) => ({ precision: s.precision ?? m.precision, threads: s.threads ?? threadChoices[0] }));
  const ok = plan.every((r, k) => precisionsFor(m, k, choice).includes(r.precision) && threadChoices.includes(r.threads))
    && (threadChoices.length === 1 || p.segments.every((s) => s.threads !== undefined));
  return ok ? plan : undefined;
}

/** A plan as text: `seg0 int8 x1, seg1 fp32 x2`. */
export function planText(plan: SegmentPlan): string {
  return plan.map((r, k) => `seg${k} ${r.precision} x${r.threads}`).join(', ');
}
