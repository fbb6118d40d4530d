/**
 * The names of `--executor` (how a training step runs) and their parser — apart from the engine, so the
 * command line parses them without loading TensorFlow.
 */
import { RanasError } from '../errors.ts';

/** The `--executor` choices: auto, the whole step as one TensorFlow graph, or op by op. */
export const STEP_EXECUTORS = ['auto', 'graph', 'eager'] as const;
export type StepExecutor = (typeof STEP_EXECUTORS)[number];

/** Parses `--executor`. */
export function parseExecutor(v: string): StepExecutor {
  const found = STEP_EXECUTORS.find((e) => e === v);
  if (!found) throw new RanasError('E_CLI_ARG', `--executor is ${JSON.stringify(v)}; expected ${STEP_EXECUTORS.join(', ')}`);
  return found;
}
