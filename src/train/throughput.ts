/**
 * Throughput of the reference net on the active backend, each measured for a time budget after warm-up:
 * - forward: inference images per second (`predict`, batch-norm folded);
 * - training: images per second of `ranas train`'s own step — the same `trainLoop` (SGD with momentum,
 *   weight decay, gradient clipping, cosine LR, weights assigned back every step) over the same gradient
 *   engine `runTraining` picks (`singleThread` for one replica, `createDataParallel` for more), with
 *   `ranas train`'s default hyper-parameters. Only the data differ: one synthetic batch, repeated.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../engine/tf.ts';
import { createDataParallel } from '../engine/data-parallel.ts';
import type { DataParallel } from '../engine/data-parallel-types.ts';
import { buildReferenceNet, referenceNetRecipe, REFERENCE_NET } from '../engine/reference-net.ts';
import type { Batch } from '../engine/synthetic-batch.ts';
import { singleThread } from '../engine/single-thread.ts';
import { trainLoop } from './train-loop.ts';
import { repeatedSource } from '../run/batch-source.ts';
import { TRAIN_DEFAULTS } from './train-options.ts';

/** Images per wall-clock second, and per CPU-second of this process (all its threads, workers included). */
export interface Throughput {
  imgPerSec: number;
  imgPerCpuSec: number;
}

/** Wall and CPU milliseconds of `run` (CPU: every thread of this process). */
async function measure(run: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function throughput(images: number, t: { wallMs: number; cpuMs: number }): Throughput {
  return { imgPerSec: (images * 1000) / t.wallMs, imgPerCpuSec: (images * 1000) / t.cpuMs };
}

/**
 * Runs `step` for `budgetMs` after a warm-up step. CPU time is reported beside wall time because on a
 * shared machine wall time mostly measures the other processes; images per CPU-second do not.
 */
async function timed(images: number, budgetMs: number, minSteps: number, step: () => Promise<void>): Promise<Throughput> {
  await step(); // warm-up: kernel set-up, operator caches, JIT
  let steps = 0;
  const t = await measure(async () => {
    const t0 = performance.now();
    while (steps < minSteps || performance.now() - t0 < budgetMs) {
      await step();
      steps++;
    }
  });
  return throughput(images * steps, t);
}

/** Forward images/s of the reference net (inference mode). */
export async function forwardImagesPerSec(batch: Batch, budgetMs: number): Promise<Throughput> {
  const net = buildReferenceNet(REFERENCE_NET);
  const x = tf.tensor4d(batch.x, batch.shape);
  try {
    return await timed(batch.shape[0], budgetMs, 2, async () => {
      const y = net.predict(x);
      await y.data();
      y.dispose();
    });
  } finally {
    x.dispose();
    net.dispose();
  }
}

/** The gradient engine `runTraining` uses for `replicas` (one thread, or worker-thread replicas). */
async function gradientEngine(replicas: number): Promise<DataParallel> {
  return replicas > 1 ? createDataParallel(referenceNetRecipe(REFERENCE_NET), { replicas }) : singleThread(buildReferenceNet(REFERENCE_NET));
}

/**
 * Training images/s of `ranas train`'s loop on the reference net with `replicas` data-parallel replicas:
 * a warm-up step, a calibration step, then as many steps as fit in `budgetMs` (at least 2).
 */
export async function trainingImagesPerSec(batch: Batch, replicas: number, budgetMs: number): Promise<Throughput> {
  const engine = await gradientEngine(replicas);
  const n = batch.shape[0];
  const run = (steps: number) => trainLoop({
    engine,
    source: repeatedSource(batch),
    hyper: {
      epochs: 1, batchSize: n, lr: TRAIN_DEFAULTS.lr, lrMin: TRAIN_DEFAULTS.lrMin, momentum: TRAIN_DEFAULTS.momentum,
      weightDecay: TRAIN_DEFAULTS.weightDecay, gradClipNorm: TRAIN_DEFAULTS.gradClip, checkpointEverySteps: 0,
    },
    checkpointPath: join(tmpdir(), 'ranas-throughput-never-written.bin'),
    resume: false,
    stopAtStep: steps,
  });
  try {
    await run(1); // warm-up: kernel set-up, operator caches, JIT, worker start
    const calibration = await run(1);
    const steps = Math.max(2, Math.ceil(budgetMs / (calibration.seconds * 1000)));
    return throughput(n * steps, await measure(async () => {
      await run(steps);
    }));
  } finally {
    await engine.dispose();
  }
}
