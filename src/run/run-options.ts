/**
 * The options every SGD run has (`ranas train` and `ranas search`; one CLI declaration in
 * src/cli/run-options.ts), and the SGD hyper-parameters both loops read from them.
 */

import type { LrSchedule } from './lr-schedule.ts';

/**
 * Where data comes from: full CIFAR-10 or CIFAR-100 (cache, else fetched), the shipped 1,000-image CIFAR-10
 * mini set, generated data, or a folder (CIFAR binary release or one sub-folder per class of PNG/JPEG files).
 */
export type DataChoice = 'cifar10' | 'cifar100' | 'mini' | 'synthetic' | { dir: string };

/** `--data` text to a choice. */
export function parseDataChoice(v: string): DataChoice {
  return v === 'cifar10' || v === 'cifar100' || v === 'mini' || v === 'synthetic' ? v : { dir: v };
}

/** The SGD schedule every weight-training loop follows (the options and the loops name these alike). */
export interface SgdSchedule {
  epochs: number;
  batchSize: number;
  /** Initial learning rate, following `schedule` (default cosine per step to `lrMin`). */
  lr: number;
  lrMin: number;
  /** Learning-rate schedule (`lr-schedule.ts`; default cosine per step). */
  schedule?: LrSchedule;
  /** Default 0.9. */
  momentum: number;
  /** Nesterov momentum (default false; MSDNet's recipe uses it). */
  nesterov?: boolean;
  weightDecay: number;
}

/** Options every SGD run has (`ranas train` and `ranas search`; one CLI declaration in src/cli/run-options.ts). */
export interface RunOptions extends SgdSchedule {
  /** Max global gradient norm (0 = off). */
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
  /** Replace an existing run of the same name (refused otherwise). */
  overwrite: boolean;
  /** Checkpoint every n steps (and at every epoch end); 0 = epoch ends only. */
  checkpointEvery: number;
  /** Data-parallel replicas (1 = this thread only). */
  threads: number;
  /** How the step runs: one TensorFlow graph, op by op, or the graph when it can (default auto). */
  executor?: 'auto' | 'graph' | 'eager';
}

/** The SGD hyper-parameters of a weight-training loop (the training loop and the search loop alike). */
export interface SgdHyper extends SgdSchedule {
  /** Max global gradient norm; 0 turns clipping off. DARTS uses 5. */
  gradClipNorm: number;
  /** Checkpoint every this many steps (0 = only at epoch ends). */
  checkpointEverySteps: number;
}

/** The loop's SGD hyper-parameters from a run's options (CLI names → loop names). */
export function sgdHyperOf(o: RunOptions): SgdHyper {
  return {
    epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, lrMin: o.lrMin, schedule: o.schedule, momentum: o.momentum, nesterov: o.nesterov,
    weightDecay: o.weightDecay, gradClipNorm: o.gradClip, checkpointEverySteps: o.checkpointEvery,
  };
}
