/**
 * Anytime policies a device answers under (see DESIGN.md, "Device agent"): `deadline` returns the deepest
 * exit whose predicted completion fits the budget, `confidence` the first exit whose confidence passes its
 * threshold within the budget.
 */

/** Name of an anytime policy. */
export type InferPolicy = 'deadline' | 'confidence';

/** Every policy name, the default first. */
export const POLICY_NAMES: readonly InferPolicy[] = ['deadline', 'confidence'];

/** The policy named `name`, or undefined when there is none. */
export function policyOf(name: string): InferPolicy | undefined {
  return POLICY_NAMES.find((p) => p === name);
}
