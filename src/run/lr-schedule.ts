/**
 * Learning-rate schedules, keyed by kind (a table, so a recipe names its schedule as data):
 * - `cosine-per-step`: lrMin + (lr0 − lrMin)·(1 + cos(π·step/totalSteps))/2, updated every step (ranas's quick
 *   default).
 * - `cosine-per-epoch`: the same curve evaluated at the epoch index, constant within an epoch — DARTS's
 *   `CosineAnnealingLR(optimizer, epochs)` stepped once per epoch (quark0/darts `cnn/train.py`), so epoch e
 *   trains at lrMin + (lr0 − lrMin)·(1 + cos(π·e/epochs))/2.
 * - `step`: lr0 · factor^(number of milestones passed), milestones as fractions of the epochs: MSDNet's CIFAR
 *   schedule is lr 0.1 divided by 10 at 50 % and 75 % of training (gaohuang/MSDNet `train_joint.lua`
 *   `learningRate`: `epoch >= 0.5·nEpochs`, `>= 0.75·nEpochs`; kalviny/MSDNet-PyTorch `adjust_learning_rate`).
 * Fractions make `--epochs N` rescale every schedule: the shape is kept, only its length changes.
 */
import { cosineLr } from './cosine-lr.ts';

/** Schedule kinds. */
export type LrScheduleKind = 'cosine-per-step' | 'cosine-per-epoch' | 'step';

/** A schedule: its kind and parameters. */
export interface LrSchedule {
  kind: LrScheduleKind;
  /** `step` only: fractions of the epochs at which lr is multiplied by `factor`. */
  milestones?: number[];
  /** `step` only (MSDNet: 0.1). */
  factor?: number;
}

/** Where the loop is: step (0-based) of `totalSteps`, epoch (0-based) of `epochs`. */
export interface SchedulePosition {
  step: number;
  totalSteps: number;
  epoch: number;
  epochs: number;
}

const SCHEDULES: Record<LrScheduleKind, (s: LrSchedule, at: SchedulePosition, lr0: number, lrMin: number) => number> = {
  'cosine-per-step': (_s, at, lr0, lrMin) => cosineLr(at.step, at.totalSteps, lr0, lrMin),
  'cosine-per-epoch': (_s, at, lr0, lrMin) => cosineLr(at.epoch, at.epochs, lr0, lrMin),
  step: (s, at, lr0) => lr0 * (s.factor ?? 0.1) ** (s.milestones ?? []).filter((m) => at.epoch >= m * at.epochs).length,
};

/** The learning rate at `at`. */
export function scheduledLr(s: LrSchedule, at: SchedulePosition, lr0: number, lrMin: number): number {
  return SCHEDULES[s.kind](s, at, lr0, lrMin);
}

/** One line per schedule, for logs and --help. */
export function describeSchedule(s: LrSchedule, lr0: number, lrMin: number): string {
  if (s.kind === 'step') return `lr ${lr0} × ${s.factor ?? 0.1} at ${(s.milestones ?? []).map((m) => `${m * 100} %`).join(', ')} of the epochs`;
  return `lr ${lr0} cosine to ${lrMin} (${s.kind === 'cosine-per-epoch' ? 'per epoch' : 'per step'})`;
}
