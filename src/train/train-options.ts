/**
 * The typed options of `ranas train` (parsed once by the CLI) and their defaults.
 */
import type { ExitLayers } from '../model/grid-overrides.ts';
import type { LrSchedule } from './lr-schedule.ts';
import type { ResolvedRecipe } from './recipes.ts';

/**
 * Where data comes from: full CIFAR-10 or CIFAR-100 (cache, else fetched), the shipped 1,000-image CIFAR-10
 * mini set, generated data, or a folder (CIFAR binary release or one sub-folder per class of PNG/JPEG files).
 */
export type DataChoice = 'cifar10' | 'cifar100' | 'mini' | 'synthetic' | { dir: string };

/** `--data` text to a choice. */
export function parseDataChoice(v: string): DataChoice {
  return v === 'cifar10' || v === 'cifar100' || v === 'mini' || v === 'synthetic' ? v : { dir: v };
}

/** Options every SGD run has (`ranas train` and `ranas search`; one CLI declaration in src/cli/run-options.ts). */
export interface RunOptions {
  epochs: number;
  batchSize: number;
  /** SGD: lr cosine-annealed per step to lrMin, momentum, weight decay, global-norm clip (0 = off). */
  lr: number;
  lrMin: number;
  momentum: number;
  weightDecay: number;
  gradClip: number;
  /** Stratified subset of the training set (search splits it 50/50 into weight and alpha halves). */
  subset?: number;
  data: DataChoice;
  /** One loss weight per exit (default equal 1s). */
  exitWeights?: number[];
  seed: number;
  name: string;
  runsDir: string;
  resume: boolean;
  /** Checkpoint every n steps (and at every epoch end); 0 = epoch ends only. */
  checkpointEvery: number;
  /** Data-parallel replicas (1 = this thread only). */
  threads: number;
}

/** Every option of one training run. */
export interface TrainOptions extends RunOptions {
  /** Model preset (ignored when `modelDir` is given). */
  preset: string;
  /** Genotype JSON replacing the preset's. */
  genotype?: string;
  /** Start from a saved IR model folder instead of a preset. */
  modelDir?: string;
  /** Hold out this many training images (stratified) as the validation split for budgeted thresholds. */
  valImages: number;
  /** Cutout side in pixels (0 = off). */
  cutout: number;
  singleExit: boolean;
  /** Grid overrides of an MS-RANAS preset (as `ranas search` takes them; undefined = the preset's). */
  scales?: 1 | 2 | 3;
  layers?: number;
  initChannels?: number;
  /** Intermediate nodes per cell (default: the genotype's). */
  nodes?: number;
  exitLayers?: ExitLayers;
  /** The recipe the numbers came from, with the flags that overrode it (recorded in config.json). */
  recipe: ResolvedRecipe;
  /** Learning-rate schedule (the recipe's). */
  schedule: LrSchedule;
  nesterov: boolean;
  /** Auxiliary tower loss weight for single-exit cell networks (0 = none; DARTS: 0.4). */
  auxiliaryWeight: number;
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
