/**
 * The budget sweep as pure functions: the budgets derived from the agent's profiled segment latencies
 * (from below exit 1's p99 to above the whole path's), and the per-budget summary of the agent's answers
 * (exits reached, accuracy, median and p99 of the agent-reported total time, misses).
 */
import type { InferPolicy } from '../bundle-format/policy.ts';
import { RanasError } from '../errors.ts';

/** One answer of the agent to one test image. */
export interface SweepSample {
  exitIndex: number;
  correct: boolean;
  /** The agent's own time for the request, µs (InferResult.totalUs). */
  totalUs: number;
  /** The agent's verdict: finished within the budget. */
  met: boolean;
  /** The budget was below exit 1's cost (exit 1 answered anyway). */
  overBudget: boolean;
}

/** One row of the per-budget table. */
export interface BudgetSummary {
  policy: InferPolicy;
  budgetUs: number;
  requests: number;
  /** Requests answered at each exit (index = exit). */
  exitCounts: number[];
  /** Top-1 of the answers, 0..1. */
  accuracy: number;
  p50Us: number;
  p99Us: number;
  /** Requests the agent reported as not met (total > budget). */
  misses: number;
  overBudget: number;
  /** Requests whose `met` disagrees with `totalUs ≤ budgetUs` (should be 0). */
  metMismatches: number;
}

/** Nearest-rank quantile (q in [0, 1]) of `values`; NaN for none. */
export function quantileOf(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/**
 * The sweep: `steps` budgets geometrically spaced from half of exit 1's p50 to 1.5 × the whole path's p99
 * sum, plus 1.2 × each exit's cumulative p99 (so every exit is the answer at some budget even when the grid
 * would step over its window); sorted, whole µs, no duplicates. The ends sit outside the profiled range so
 * the sweep shows both misses (exit 1 cannot fit) and the full path; starting from the p50 rather than the
 * p99 keeps the low end informative when the p99 is far above the p50 (a loaded machine). `overheadP99Us` is
 * the time a request spends outside its segments (the profile's input + answer p99), added to every exit's
 * cumulative cost.
 */
export function budgetsFromProfile(segments: readonly { p50Us: number; p99Us: number }[], steps: number, overheadP99Us = 0): number[] {
  if (segments.length === 0 || segments.some((s) => !(s.p50Us > 0 && s.p99Us > 0))) {
    throw new RanasError('E_DEMO_PROFILE', `segment latencies are [${segments.map((s) => `${s.p50Us}/${s.p99Us}`).join(', ')}] µs (p50/p99); expected positive latencies for every segment`);
  }
  if (!Number.isInteger(steps) || steps < 2) throw new RanasError('E_DEMO_OPTION', `budget steps is ${steps}; expected an integer ≥ 2`);
  const lo = 0.5 * Math.min(segments[0].p50Us, segments[0].p99Us);
  const over = Number.isFinite(overheadP99Us) && overheadP99Us > 0 ? overheadP99Us : 0;
  const hi = 1.5 * (segments.reduce((a, s) => a + s.p99Us, 0) + over);
  const grid = Array.from({ length: steps }, (_, i) => lo * (hi / lo) ** (i / (steps - 1)));
  let cum = over;
  const perExit = segments.map((s) => 1.2 * (cum += s.p99Us));
  return [...new Set([...grid, ...perExit].map(Math.round))].sort((a, b) => a - b);
}

/** Summarises the answers at one budget. */
export function summariseBudget(policy: BudgetSummary['policy'], budgetUs: number, exits: number, samples: readonly SweepSample[]): BudgetSummary {
  const exitCounts = Array.from({ length: exits }, () => 0);
  for (const s of samples) exitCounts[s.exitIndex] = (exitCounts[s.exitIndex] ?? 0) + 1;
  const times = samples.map((s) => s.totalUs);
  return {
    policy, budgetUs, requests: samples.length, exitCounts,
    accuracy: samples.length === 0 ? NaN : samples.filter((s) => s.correct).length / samples.length,
    p50Us: quantileOf(times, 0.5), p99Us: quantileOf(times, 0.99),
    misses: samples.filter((s) => !s.met).length,
    overBudget: samples.filter((s) => s.overBudget).length,
    metMismatches: samples.filter((s) => s.met !== s.totalUs <= budgetUs).length,
  };
}
