/**
 * Throughput of the reference net on the active backend: forward (inference) and training (one SGD step
 * through `DataParallel`) images per second, each measured for a time budget after a warm-up step.
 */
import { tf } from './tf.ts';
import { createDataParallel } from './data-parallel.ts';
import { buildReferenceNet, referenceNetRecipe, REFERENCE_NET } from './reference-net.ts';
import { mulberry32, randomFloats } from './seeded-random.ts';

/** A synthetic CIFAR-shaped batch. */
export interface Batch {
  x: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
}

/** A deterministic random batch of `n` 32×32×3 images with 10 classes. */
export function syntheticBatch(n: number, seed = 3): Batch {
  const rand = mulberry32(seed);
  return { x: randomFloats(rand, n * 32 * 32 * 3), shape: [n, 32, 32, 3], labels: Int32Array.from({ length: n }, () => Math.floor(rand() * 10)) };
}

/** Images per wall-clock second, and per CPU-second of this process (all its threads, workers included). */
export interface Throughput {
  imgPerSec: number;
  imgPerCpuSec: number;
}

/**
 * Runs `step` for `budgetMs` after a warm-up step. CPU time is reported beside wall time because on a
 * shared machine wall time mostly measures the other processes; images per CPU-second do not.
 */
async function timed(images: number, budgetMs: number, minSteps: number, step: () => Promise<void>): Promise<Throughput> {
  await step(); // warm-up: kernel set-up, operator caches, JIT
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let steps = 0;
  while (steps < minSteps || performance.now() - t0 < budgetMs) {
    await step();
    steps++;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { imgPerSec: (images * steps * 1000) / wallMs, imgPerCpuSec: (images * steps * 1000) / cpuMs };
}

/** Forward images/s of the reference net (inference mode, one thread). */
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

/** Training images/s: gradients through `DataParallel` with `replicas`, then an SGD update on replica 0. */
export async function trainingImagesPerSec(batch: Batch, replicas: number, budgetMs: number, learningRate = 0.01): Promise<Throughput> {
  const dp = await createDataParallel(referenceNetRecipe(REFERENCE_NET), { replicas });
  try {
    return await timed(batch.shape[0], budgetMs, 2, async () => {
      const { grads } = await dp.gradients(batch.x, batch.shape, batch.labels);
      tf.tidy(() => {
        for (const [name, g] of grads) {
          const v = dp.model.variables.get(name);
          if (v) v.assign(tf.sub(v, tf.mul(tf.tensor(g, v.shape), learningRate)));
        }
      });
    });
  } finally {
    await dp.dispose();
  }
}
