/**
 * The options every SGD run has (`ranas train` and `ranas search`; one CLI declaration in
 * src/cli/run-options.ts), and the SGD hyper-parameters both loops read from them.
 */

/** Where training data comes from: full CIFAR-10 (cache), the shipped mini set, generated data, or a CIFAR binary folder. */
export type DataChoice = 'cifar10' | 'mini' | 'synthetic' | { dir: string };

/** The SGD schedule every weight-training loop follows (the options and the loops name these alike). */
export interface SgdSchedule {
  epochs: number;
  batchSize: number;
  /** Initial learning rate (cosine-annealed per step to `lrMin`). */
  lr: number;
  lrMin: number;
  /** Default 0.9. */
  momentum: number;
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
  /** Checkpoint every n steps (and at every epoch end); 0 = epoch ends only. */
  checkpointEvery: number;
  /** Data-parallel replicas (1 = this thread only). */
  threads: number;
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
    epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, lrMin: o.lrMin, momentum: o.momentum,
    weightDecay: o.weightDecay, gradClipNorm: o.gradClip, checkpointEverySteps: o.checkpointEvery,
  };
}
