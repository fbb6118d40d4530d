/**
 * The bilevel search loop (DARTS `train_search.py`): per step, one alpha step on a batch of the held-out half
 * (Adam; first-order or unrolled hypergradient, after the warm-up epochs), then one weight step on a batch of
 * the weight half (SGD with momentum, cosine LR per step, weight decay, global-norm clipping — the update of
 * `src/run/sgd-update.ts`, shared with the training loop). Atomic checkpoints every N steps and at every epoch end hold weights, alphas, batch-norm
 * statistics, momentum, Adam moments and both data streams, so `--resume` continues exactly.
 */
import { existsSync } from 'node:fs';
import { tf } from '../engine/tf.ts';
import type { DataParallel } from '../engine/data-parallel-types.ts';
import { RanasError } from '../errors.ts';
import type { BatchSource } from '../run/batch-source.ts';
import { readCheckpoint, writeCheckpoint } from '../run/checkpoint.ts';
import { cosineLr } from '../run/cosine-lr.ts';
import { createProgress } from '../run/progress.ts';
import type { SgdHyper } from '../run/run-options.ts';
import { sgdUpdate } from '../run/sgd-update.ts';
import { savedOnStop } from '../run/stop-signal.ts';
import { adamStep, type AdamParams } from './adam.ts';
import { firstOrderAlphaGrad, unrolledAlphaGrad } from './architect.ts';
import { assignVariables, engineOracle } from './engine-oracle.ts';

/** Hyper-parameters of the search: the shared SGD ones for the weights, Adam and the schedule for the alphas. */
export interface SearchHyper extends SgdHyper {
  alpha: AdamParams;
  secondOrder: boolean;
  warmupEpochs: number;
}

/** What the loop reports at each epoch end. */
export interface SearchEpoch {
  epoch: number;
  steps: number;
  meanTrainLoss: number;
  meanValLoss: number;
  meanExitLosses: number[];
  seconds: number;
  /** Images per second of the weight steps and of the alpha steps (timed apart). */
  weightImgPerSec: number;
  alphaImgPerSec: number;
  alphaSteps: number;
  /** Alphas at the epoch end, by name, flat row-major. */
  alphas: Map<string, Float32Array>;
}

/** Inputs of a search run. */
export interface SearchLoopOptions {
  engine: DataParallel;
  /** Weight half and alpha (held-out) half, same batch size, same batches per epoch. */
  train: BatchSource;
  val: BatchSource;
  alphaNames: string[];
  hyper: SearchHyper;
  checkpointPath: string;
  resume: boolean;
  onStep?: (s: { step: number; epoch: number; trainLoss: number; valLoss: number | null; lr: number; gradNorm: number; weightMs: number; alphaMs: number }) => void;
  onEpoch?: (e: SearchEpoch) => void;
  /** Stop after this many total steps (tests). */
  stopAtStep?: number;
  meta?: Record<string, unknown>;
  /** Read before every step: true stops the search with a checkpoint (SIGINT/SIGTERM; src/run/stop-signal.ts). */
  stop?: () => boolean;
  /**
   * A differentiable term added to the alpha loss (e.g. the per-exit latency targets): called once per alpha
   * step with the current alphas, returns its gradient by alpha name (added to the loss gradient before Adam).
   */
  alphaPenalty?: (alphas: ReadonlyMap<string, Float32Array>) => ReadonlyMap<string, ArrayLike<number>>;
}

/** Outcome of a search run. */
export interface SearchLoopResult {
  steps: number;
  startStep: number;
  seconds: number;
  alphas: Map<string, Float32Array>;
  /** True when `stop` ended the search early (a checkpoint at `steps` is on disk). */
  interrupted: boolean;
}

const read = (vars: Map<string, tf.Variable>, names: string[]) => new Map(names.map((n) => [n, new Float32Array(vars.get(n)?.dataSync() ?? [])]));

/** Runs (or resumes) the search until all epochs are done. */
export async function searchLoop(o: SearchLoopOptions): Promise<SearchLoopResult> {
  const { engine, hyper } = o;
  const model = engine.model;
  const alphaSet = new Set(o.alphaNames);
  const weightNames = [...model.variables.keys()].filter((n) => !alphaSet.has(n));
  const weights = read(model.variables, weightNames);
  const alphas = read(model.variables, o.alphaNames);
  const velocity = new Map(weightNames.map((n) => [n, new Float32Array(weights.get(n)?.length ?? 0)]));
  const adamM = new Map(o.alphaNames.map((n) => [n, new Float32Array(alphas.get(n)?.length ?? 0)]));
  const adamV = new Map(o.alphaNames.map((n) => [n, new Float32Array(alphas.get(n)?.length ?? 0)]));
  let adamSteps = 0;
  let step = 0;
  const perEpoch = Math.min(o.train.batchesPerEpoch, o.val.batchesPerEpoch);
  if (perEpoch < 1) throw new RanasError('E_SEARCH_DATA', `each half needs at least one batch of ${hyper.batchSize}; found ${o.train.batchesPerEpoch} and ${o.val.batchesPerEpoch} batches`);

  if (o.resume && existsSync(o.checkpointPath)) {
    const ck = readCheckpoint(o.checkpointPath);
    const take = (into: Map<string, Float32Array>, group: 'variable' | 'velocity', prefix = '') => {
      for (const [n, cur] of into) {
        const saved = ck.tensors[group].get(prefix + n);
        if (!saved || saved.length !== cur.length) throw new RanasError('E_SEARCH_RESUME', `checkpoint ${group} ${prefix + n}: expected ${cur.length} values, found ${saved ? saved.length : 'none'} — was the run started with another supernet?`);
        into.set(n, saved);
      }
    };
    take(weights, 'variable');
    take(alphas, 'variable');
    take(velocity, 'velocity');
    take(adamM, 'velocity', 'adam.m/');
    take(adamV, 'velocity', 'adam.v/');
    for (const [n, v] of model.buffers) {
      const saved = ck.tensors.buffer.get(n);
      if (!saved || saved.length !== v.size) throw new RanasError('E_SEARCH_RESUME', `checkpoint buffer ${n}: expected ${v.size} values, found ${saved ? saved.length : 'none'}`);
      tf.tidy(() => v.assign(tf.tensor(saved, v.shape, 'float32')));
    }
    const data: unknown = ck.data;
    o.train.restore(typeof data === 'object' && data !== null ? Reflect.get(data, 'train') : undefined);
    o.val.restore(typeof data === 'object' && data !== null ? Reflect.get(data, 'val') : undefined);
    const a: unknown = ck.meta.adamSteps;
    adamSteps = typeof a === 'number' ? a : 0;
    step = ck.step;
  }
  assignVariables(model.variables, weights);
  assignVariables(model.variables, alphas);

  const save = () => {
    const vel = new Map(velocity);
    for (const n of o.alphaNames) {
      vel.set(`adam.m/${n}`, adamM.get(n) ?? new Float32Array());
      vel.set(`adam.v/${n}`, adamV.get(n) ?? new Float32Array());
    }
    const buffers = read(model.buffers, [...model.buffers.keys()]);
    writeCheckpoint(o.checkpointPath, {
      step,
      data: { train: o.train.state(), val: o.val.state() },
      meta: { ...o.meta, epoch: Math.floor(step / perEpoch), adamSteps },
      tensors: { variable: new Map([...weights, ...alphas]), buffer: buffers, velocity: vel },
    });
  };

  const oracle = engineOracle(engine);
  const startStep = step;
  const totalSteps = hyper.epochs * perEpoch;
  const lastStep = Math.min(totalSteps, o.stopAtStep ?? totalSteps);
  const progress = createProgress(totalSteps, step);
  const t0 = performance.now();
  let acc = { start: performance.now(), steps: 0, alphaSteps: 0, train: 0, val: 0, terms: [] as number[], weightMs: 0, alphaMs: 0 };
  let interrupted = false;
  try {
    while (step < lastStep) {
      if (await savedOnStop(o.stop, save)) {
        interrupted = true;
        break;
      }
      const epoch = Math.floor(step / perEpoch);
      const tb = o.train.next();
      const vb = o.val.next();
      const lr = cosineLr(step, totalSteps, hyper.lr, hyper.lrMin);
      let valLoss: number | null = null;
      const ta = performance.now();
      if (epoch >= hyper.warmupEpochs) {
        const g = hyper.secondOrder
          ? await unrolledAlphaGrad(oracle, { weights, alphas, velocity }, tb, vb, { lr, momentum: hyper.momentum, weightDecay: hyper.weightDecay })
          : await firstOrderAlphaGrad(oracle, o.alphaNames, vb);
        adamSteps += 1;
        const penalty = o.alphaPenalty?.(alphas);
        for (const n of o.alphaNames) {
          const a = alphas.get(n);
          const m = adamM.get(n);
          const v = adamV.get(n);
          const gl = g.grads.get(n);
          const gp = penalty?.get(n);
          const gn = gl && gp ? Float64Array.from(gl, (x, i) => x + gp[i]) : gl;
          if (a && m && v && gn) adamStep(a, gn, m, v, adamSteps, hyper.alpha);
        }
        assignVariables(model.variables, alphas);
        if (hyper.secondOrder) assignVariables(model.variables, weights);
        valLoss = g.loss;
      }
      const alphaMs = performance.now() - ta;
      const tw = performance.now();
      const g = await engine.gradients(tb.x, tb.shape, tb.labels, weightNames);
      if (!Number.isFinite(g.total)) throw new RanasError('E_SEARCH_DIVERGED', `loss is ${g.total} at step ${step + 1}; expected a finite loss — lower --lr`);
      const gradNorm = sgdUpdate(weightNames, g.grads, weights, velocity, lr, hyper);
      assignVariables(model.variables, weights);
      const weightMs = performance.now() - tw;
      step += 1;
      acc.steps += 1;
      acc.train += g.total;
      acc.terms = g.terms.map((t, k) => (acc.terms[k] ?? 0) + t);
      acc.weightMs += weightMs;
      if (valLoss !== null) {
        acc.alphaSteps += 1;
        acc.val += valLoss;
        acc.alphaMs += alphaMs;
      }
      o.onStep?.({ step, epoch, trainLoss: g.total, valLoss, lr, gradNorm, weightMs, alphaMs });
      progress.update({ epoch, epochs: hyper.epochs, step, totalSteps, exitLosses: g.terms, imgPerSec: (tb.shape[0] * 1000) / (weightMs + alphaMs) });
      const epochEnd = step % perEpoch === 0;
      if (epochEnd || (hyper.checkpointEverySteps > 0 && step % hyper.checkpointEverySteps === 0)) save();
      if (epochEnd) {
        const n = hyper.batchSize;
        o.onEpoch?.({
          epoch, steps: acc.steps, seconds: (performance.now() - acc.start) / 1000,
          meanTrainLoss: acc.train / acc.steps, meanValLoss: acc.alphaSteps ? acc.val / acc.alphaSteps : NaN,
          meanExitLosses: acc.terms.map((t) => t / acc.steps),
          weightImgPerSec: (acc.steps * n * 1000) / Math.max(acc.weightMs, 1e-9),
          alphaImgPerSec: acc.alphaSteps ? (acc.alphaSteps * n * 1000) / Math.max(acc.alphaMs, 1e-9) : NaN,
          alphaSteps: acc.alphaSteps,
          alphas: new Map([...alphas].map(([k, v]) => [k, Float32Array.from(v)])),
        });
        acc = { start: performance.now(), steps: 0, alphaSteps: 0, train: 0, val: 0, terms: [], weightMs: 0, alphaMs: 0 };
      }
    }
  } finally {
    progress.stop();
  }
  return { steps: step, startStep, seconds: (performance.now() - t0) / 1000, alphas, interrupted };
}
