/** Deterministic random CIFAR-shaped batches, for the engine's tests and throughput figures. */
import { mulberry32, randomFloats } from './seeded-random.ts';

/** A synthetic CIFAR-shaped batch. */
export interface Batch {
  x: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
}

/** A deterministic random batch of `n` images (default 32×32×3) with 10 classes. */
export function syntheticBatch(n: number, seed = 3, image: [number, number, number] = [32, 32, 3]): Batch {
  const rand = mulberry32(seed);
  const [h, w, c] = image;
  return { x: randomFloats(rand, n * h * w * c), shape: [n, h, w, c], labels: Int32Array.from({ length: n }, () => Math.floor(rand() * 10)) };
}
