/**
 * Anytime policies a device answers under (see DESIGN.md, "Device agent"): `deadline` returns the deepest
 * exit whose predicted completion fits the budget, `confidence` the first exit whose confidence passes its
 * threshold within the budget, `planned` picks on arrival the deepest exit predicted to fit and runs the trunks up
 * to it and that exit's head only (bundles exported with `--split-heads`; on others it answers as `deadline`).
 */

/** Name of an anytime policy. */
export type InferPolicy = 'deadline' | 'confidence' | 'planned';

/** Every policy name, the default first. */
export const POLICY_NAMES: readonly InferPolicy[] = ['deadline', 'confidence', 'planned'];

/** The policy named `name`, or undefined when there is none. */
export function policyOf(name: string): InferPolicy | undefined {
  return POLICY_NAMES.find((p) => p === name);
}
