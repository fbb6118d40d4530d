/**
 * `planned` (issue 18 part 4): the exit is chosen on arrival, then only that exit's head runs.
 *
 * Predicted answer time of exit m from a request that has completed trunks 0..reached:
 *   elapsed + safety × (Σ p99(trunk j), reached < j < m  +  p99(step m)) + p99(answer overhead),
 * where step m = trunk m then head m, profiled together (for m = reached: p99(head m) alone).
 * On arrival (after the input phase, reached = −1) the plan is the deepest exit whose prediction fits the budget.
 * After each trunk it is made again from the time actually elapsed: a trunk that ran late moves the target back,
 * down to the exit the request has reached, whose head then answers at once (the soonest answer left); trunks
 * that ran early (the p99s of several parts add up to more than the p99 of their sum) move it deeper. Either way
 * only the final target's head runs. Exit 0 is the floor: an answer needs trunk 0 and head 0, even when the
 * budget is below their cost.
 */

/** What the plan needs: live p99s and where the request stands. */
export interface PlanState {
  /** Index of the last trunk completed; −1 before trunk 0. */
  reached: number;
  /** Time since the request arrived, µs. */
  elapsedUs: number;
  budgetUs: number;
  /** Predicted p99 per trunk, per head and per step (trunk k + head k), µs. */
  trunkP99Us: readonly number[];
  headP99Us: readonly number[];
  stepP99Us: readonly number[];
  /** Multiplier on the parts' p99 (the agent's safety factor). */
  safetyFactor: number;
  /** p99 of the answer phase (softmax, top-k, the answer itself), µs; not scaled. */
  answerP99Us: number;
}

/** Predicted µs from now to exit `m`'s answer (trunks after `reached` before m, step m or head m, answer). */
export function predictedRemainingUs(s: PlanState, m: number): number {
  let parts = m > s.reached ? s.stepP99Us[m] : s.headP99Us[m];
  for (let j = s.reached + 1; j < m; j++) parts += s.trunkP99Us[j];
  return parts * s.safetyFactor + s.answerP99Us;
}

/**
 * The deepest exit in [max(reached, 0), limit] predicted to answer within the budget; the floor of that range
 * when none is (its answer is the soonest left).
 */
export function plannedExit(s: PlanState, limit: number): number {
  const floor = Math.max(s.reached, 0);
  for (let m = Math.min(limit, s.trunkP99Us.length - 1); m > floor; m--) {
    if (s.elapsedUs + predictedRemainingUs(s, m) <= s.budgetUs) return m;
  }
  return floor;
}
