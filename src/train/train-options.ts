/**
 * The typed options of `ranas train` (parsed once by the CLI) and their defaults.
 */
import type { ModelChoice } from '../run/model-choice.ts';
import type { RunOptions } from '../run/run-options.ts';

/** Every option of one training run. */
export interface TrainOptions extends RunOptions, ModelChoice {
  /** Hold out this many training images (stratified) as the validation split for budgeted thresholds. */
  valImages: number;
  /** Cutout side in pixels (0 = off). */
  cutout: number;
  /**
   * Drop-path probability at the last epoch (DARTS schedule: p · epoch / epochs, so 0 in the first epoch);
   * applied per sample to every non-identity cell edge in training. 0 = off.
   */
  dropPath: number;
  evalBatchSize: number;
  /** Skip the final evaluation. */
  skipEval: boolean;
}

/** Defaults of the optional numbers (DARTS/MSDNet-like). */
export const TRAIN_DEFAULTS = {
  preset: 'tiny',
  epochs: 10,
  batchSize: 64,
  lr: 0.05,
  lrMin: 0,
  momentum: 0.9,
  weightDecay: 3e-4,
  gradClip: 5,
  valImages: 0,
  cutout: 16,
  dropPath: 0,
  seed: 0,
  runsDir: 'runs',
  checkpointEvery: 200,
  threads: 1,
  evalBatchSize: 250,
} as const;
