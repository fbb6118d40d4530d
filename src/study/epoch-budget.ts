/**
 * What training budget a network would need to reach a goal: the study trains its reference network again with
 * fewer epochs (same recipe otherwise, the cosine schedule compressed to the shorter run), and the final error at
 * the last exit against the epoch count is fitted with a power law, err(E) = a·E^(−k), by least squares in
 * log-log. Its solution for the goal's error is an extrapolation — stated as one in the report, with the fit's
 * worst residual — not a measurement.
 */

/** Final top-1 at the last exit after a run of `epochs` epochs. */
export interface EpochBudgetPoint {
  epochs: number;
  top1: number;
}

/** A power law through the points and where it reaches the goal. */
export interface EpochBudgetFit {
  /** err(E) = a · E^(−k). */
  a: number;
  k: number;
  /** Largest |log err − fitted log err| over the points (0 with two points: the line passes through both). */
  worstLogResidual: number;
  /** Epochs at which the fitted error reaches 1 − goal; null when the error does not fall with epochs (k ≤ 0). */
  epochsToGoal: number | null;
}

/** Fits err = a·E^(−k) to at least two points with distinct epoch counts and solves it for `goalTop1`; null when that is impossible. */
export function fitEpochBudget(points: readonly EpochBudgetPoint[], goalTop1: number): EpochBudgetFit | null {
  const usable = points.filter((p) => p.epochs > 0 && p.top1 > 0 && p.top1 < 1);
  if (new Set(usable.map((p) => p.epochs)).size < 2 || !(goalTop1 > 0 && goalTop1 < 1)) return null;
  const xs = usable.map((p) => Math.log(p.epochs));
  const ys = usable.map((p) => Math.log(1 - p.top1));
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const worstLogResidual = Math.max(...xs.map((x, i) => Math.abs(ys[i] - (intercept + slope * x))));
  const k = -slope;
  const epochsToGoal = k > 0 ? Math.exp((intercept - Math.log(1 - goalTop1)) / k) : null;
  return { a: Math.exp(intercept), k, worstLogResidual, epochsToGoal };
}

/** How a plan turns the fit into one longer run of the shipped network (study-plan.ts `epochBudget.goalRun`). */
export interface GoalRunRule {
  /** Epochs trained = margin × the fit's epochs to the goal (a power law through short runs is optimistic further out). */
  margin: number;
  /** Never more than this many epochs (the budget); also the epochs when the fit gives no answer. */
  maxEpochs: number;
}

/**
 * Epochs of the goal run: `margin` × the fit's epochs to the goal, rounded up, at least one more than the run the
 * fit already has (`trainedEpochs`) and at most `maxEpochs`; `maxEpochs` when the fit gives no epoch count.
 */
export function goalEpochs(fit: EpochBudgetFit | null, trainedEpochs: number, rule: GoalRunRule): number {
  const wanted = fit?.epochsToGoal == null ? rule.maxEpochs : Math.ceil(rule.margin * fit.epochsToGoal);
  return Math.min(rule.maxEpochs, Math.max(trainedEpochs + 1, wanted));
}
