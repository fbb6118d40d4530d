/**
 * `deadline`: run the next segment while the predicted answer time fits the budget:
 * elapsed + p99(next) × safety + p99(answer overhead) ≤ budget. The answer is the deepest exit completed.
 */
import type { PolicyState } from './policy.ts';

export function deadlinePolicy(s: PolicyState): boolean {
  if (s.completed + 1 >= s.segments || s.nextP99Us === undefined) return false;
  return s.elapsedUs + s.nextP99Us * s.safetyFactor + s.answerP99Us <= s.budgetUs;
}
