/**
 * Anytime policies: after each completed exit, a policy decides whether to run the next segment.
 * Segment 0 always runs (an answer needs exit 1 even when the budget is below its cost).
 */
import type { InferPolicy } from '../../src/bundle-format/policy.ts';
import { confidencePolicy } from './confidence-policy.ts';
import { deadlinePolicy } from './deadline-policy.ts';

/** What a policy sees after exit `completed` finished. */
export interface PolicyState {
  /** Index of the exit just completed. */
  completed: number;
  /** Number of segments in the bundle. */
  segments: number;
  /** Time since the request arrived, µs. */
  elapsedUs: number;
  budgetUs: number;
  /** Profiled p99 of the next segment, µs (undefined when there is none). */
  nextP99Us: number | undefined;
  /** Multiplier on the next segment's p99 (default `DEFAULT_SAFETY_FACTOR`). */
  safetyFactor: number;
  /**
   * p99 of the fixed work still ahead once the next segment has run: reading its exit (softmax), top-k and
   * the answer, µs (the profile's `overhead.answer`). Not scaled by the safety factor.
   */
  answerP99Us: number;
  /** Softmax confidence of the exit just completed. */
  confidence: number;
  /** Confidence threshold of that exit (manifest, or the request's override). */
  threshold: number;
}

/** True = run the next segment. */
export type Policy = (s: PolicyState) => boolean;

/**
 * Default safety factor on the next segment's p99: 1.1. The p99 is measured in isolation; in a long run the
 * tail grows a little (other processes, cache state), and a miss is worse than stopping one exit early.
 * Values 1.0-1.2 are sensible; 1.0 trusts the profile exactly.
 */
export const DEFAULT_SAFETY_FACTOR = 1.1;

/** Every policy by name. */
export const POLICIES: Record<InferPolicy, Policy> = {
  deadline: deadlinePolicy,
  confidence: confidencePolicy,
  // A bundle without trunk/head parts has nothing to plan with (every segment runs its head anyway):
  // `planned` then answers as `deadline`. Split bundles run it in run-planned.ts.
  planned: deadlinePolicy,
};
