/**
 * `confidence`: stop at the first exit whose softmax confidence reaches its threshold; otherwise go on
 * under the same budget rule as `deadline` (the next segment must be predicted to fit).
 */
import { deadlinePolicy } from './deadline-policy.ts';
import type { PolicyState } from './policy.ts';

export function confidencePolicy(s: PolicyState): boolean {
  if (s.confidence >= s.threshold) return false;
  return deadlinePolicy(s);
}
