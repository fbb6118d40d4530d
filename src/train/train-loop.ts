/**
 * The training loop: exit-weighted cross-entropy, SGD with momentum (PyTorch semantics, optional Nesterov),
 * a learning-rate schedule (`lr-schedule.ts`; default cosine over the total number of steps), weight decay, gradient clipping by global norm, atomic checkpoints every N
 * steps and at every epoch end, and exact resume (weights, BN running statistics, momentum, data position
 * and augmentation generator state, step). Gradients come from a `DataParallel` (one thread or several).
 * Drop-path follows DARTS' schedule (probability p · epoch / epochs); each step's masks come from a seed
 * derived from the run seed and the step number, so a resumed run draws the same masks.
 */
import { existsSync } from 'node:fs';
import { tf } from '../engine/tf.ts';
import type { DataParallel } from '../engine/data-parallel-types.ts';
import { RanasError } from '../errors.ts';
import type { BatchSource } from '../run/batch-source.ts';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from '../run/checkpoint.ts';
import { scheduledLr } from '../run/lr-schedule.ts';
import { dropPathSeed, scheduledDropPath } from '../exec/drop-path.ts';
import { createProgress } from '../run/progress.ts';
import type { SgdHyper } from '../run/run-options.ts';
import { sgdUpdate } from '../run/sgd-update.ts';
import { savedOnStop } from '../run/stop-signal.ts';

/** Optimisation hyper-parameters: the shared SGD ones, plus drop-path. */
export interface TrainHyper extends SgdHyper {
  /** Drop-path probability reached at the last epoch (0 = off; default 0). */
  dropPath?: number;
  /** Run seed (drop-path masks derive from it and the step number; default 0). */
  seed?: number;
}

/** One logged step. */
export interface StepLog {
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  exitLosses: number[];
  lr: number;
  gradNorm: number;
  imgPerSec: number;
}

/** Inputs of a training run. */
export interface TrainLoopOptions {
  engine: DataParallel;
  source: BatchSource;
  hyper: TrainHyper;
  /** Where the checkpoint lives (`checkpoint.bin` in the run folder). */
  checkpointPath: string;
  /** Continue from `checkpointPath` when it exists. */
  resume: boolean;
  /** Called after every step (log.jsonl) and at every epoch end (summary). */
  onStep?: (s: StepLog) => void;
  /** Called after each epoch's last step (and its checkpoint); awaited, so it may evaluate the model. */
  onEpoch?: (summary: { epoch: number; lr: number; meanExitLosses: number[]; meanLoss: number; seconds: number; imgPerSec: number; steps: number }) => void | Promise<void>;
  /** Stop after this many total steps (tests); default all epochs. */
  stopAtStep?: number;
  /** Free metadata stored in checkpoints. */
  meta?: Record<string, unknown>;
  /** Read before every step: true stops the run with a checkpoint (SIGINT/SIGTERM; src/run/stop-signal.ts). */
  stop?: () => boolean;
}

/** Outcome of a run. */
export interface TrainLoopResult {
  steps: number;
  /** Step the run started from (0, or the checkpoint's step on resume). */
  startStep: number;
  seconds: number;
  imgPerSec: number;
  /** True when `stop` ended the run early (a checkpoint at `steps` is on disk). */
  interrupted: boolean;
}

/** Runs (or resumes) training until all epochs are done. */
export async function trainLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  const { engine, source, hyper } = o;
  const model = engine.model;
  const names = [...model.variables.keys()];
  const weights = new Map<string, Float32Array>();
  const velocity = new Map<string, Float32Array>();
  for (const n of names) {
    const v = model.variables.get(n);
    if (!v) continue;
    weights.set(n, new Float32Array(v.dataSync()));
    velocity.set(n, new Float32Array(v.size));
  }
  let step = 0;
  if (o.resume && existsSync(o.checkpointPath)) {
    const ck = readCheckpoint(o.checkpointPath);
    restore(ck, weights, velocity, model.buffers);
    assignAll(model.variables, weights);
    source.restore(ck.data);
    step = ck.step;
  }
  const startStep = step;
  const totalSteps = hyper.epochs * source.batchesPerEpoch;
  const lastStep = Math.min(totalSteps, o.stopAtStep ?? totalSteps);
  const progress = createProgress(totalSteps, step);
  const save = () => writeCheckpoint(o.checkpointPath, {
    step,
    data: source.state(),
    meta: { ...o.meta, epoch: Math.floor(step / source.batchesPerEpoch) },
    tensors: { variable: weights, buffer: snapshot(model.buffers), velocity },
  });

  const t0 = performance.now();
  let epochStart = t0;
  let epochSteps = 0;
  let epochLossSum: number[] = [];
  let epochTotalSum = 0;
  let interrupted = false;
  let epochLr = 0;
  try {
    while (step < lastStep) {
      if (await savedOnStop(o.stop, save)) {
        interrupted = true;
        break;
      }
      const batch = source.next();
      const ts = performance.now();
      const lr = scheduledLr(hyper.schedule ?? { kind: 'cosine-per-step' }, { step, totalSteps, epoch: batch.epoch, epochs: hyper.epochs }, hyper.lr, hyper.lrMin);
      if (epochSteps === 0) epochLr = lr;
      const dropProb = scheduledDropPath(hyper.dropPath ?? 0, batch.epoch, hyper.epochs);
      const stepSettings = dropProb > 0 ? { dropPath: { prob: dropProb, seed: dropPathSeed(hyper.seed ?? 0, step) } } : {};
      const g = await engine.gradients(batch.x, batch.shape, batch.labels, names, stepSettings);
      if (!Number.isFinite(g.total)) {
        throw new RanasError('E_TRAIN_DIVERGED', `loss is ${g.total} at step ${step + 1} (epoch ${batch.epoch + 1}); expected a finite loss — lower --lr or enable gradient clipping`);
      }
      const gradNorm = sgdUpdate(names, g.grads, weights, velocity, lr, hyper);
      assignAll(model.variables, weights);
      step += 1;
      const dt = (performance.now() - ts) / 1000;
      const imgPerSec = batch.shape[0] / Math.max(dt, 1e-9);
      o.onStep?.({ step, epoch: batch.epoch, batch: batch.index, loss: g.total, exitLosses: g.terms, lr, gradNorm, imgPerSec });
      progress.update({ epoch: batch.epoch, epochs: hyper.epochs, step, totalSteps, exitLosses: g.terms, imgPerSec });
      epochSteps += 1;
      epochTotalSum += g.total;
      epochLossSum = g.terms.map((t, k) => (epochLossSum[k] ?? 0) + t);
      const epochEnd = batch.index === source.batchesPerEpoch - 1;
      if (epochEnd || (hyper.checkpointEverySteps > 0 && step % hyper.checkpointEverySteps === 0)) save();
      if (epochEnd) {
        const seconds = (performance.now() - epochStart) / 1000;
        await o.onEpoch?.({
          epoch: batch.epoch, lr: epochLr, steps: epochSteps, seconds, imgPerSec: (epochSteps * batch.shape[0]) / seconds,
          meanLoss: epochTotalSum / epochSteps, meanExitLosses: epochLossSum.map((s) => s / epochSteps),
        });
        epochStart = performance.now();
        epochSteps = 0;
        epochTotalSum = 0;
        epochLossSum = [];
      }
    }
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { steps: step, startStep, seconds, imgPerSec: ((step - startStep) * hyper.batchSize) / Math.max(seconds, 1e-9), interrupted };
}

function snapshot(vars: Map<string, tf.Variable>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [n, v] of vars) out.set(n, new Float32Array(v.dataSync()));
  return out;
}

function assignAll(vars: Map<string, tf.Variable>, values: Map<string, Float32Array>): void {
  for (const [n, v] of vars) {
    const data = values.get(n);
    if (data) tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
  }
}

function restore(ck: Checkpoint, weights: Map<string, Float32Array>, velocity: Map<string, Float32Array>, buffers: Map<string, tf.Variable>): void {
  const take = (group: 'variable' | 'velocity', into: Map<string, Float32Array>) => {
    for (const [n, cur] of into) {
      const saved = ck.tensors[group].get(n);
      if (!saved || saved.length !== cur.length) {
        throw new RanasError('E_TRAIN_RESUME', `checkpoint ${group} ${n}: expected ${cur.length} values, found ${saved ? saved.length : 'none'} — was the run started with another model?`);
      }
      into.set(n, saved);
    }
  };
  take('variable', weights);
  take('velocity', velocity);
  for (const [n, v] of buffers) {
    const saved = ck.tensors.buffer.get(n);
    if (!saved || saved.length !== v.size) throw new RanasError('E_TRAIN_RESUME', `checkpoint buffer ${n}: expected ${v.size} values, found ${saved ? saved.length : 'none'}`);
    tf.tidy(() => v.assign(tf.tensor(saved, v.shape, 'float32')));
  }
}
