/** Seeded helpers for reproducible test data and benchmark inputs, on the project's mulberry32. */
export { mulberry32 } from '../rng.ts';

/** Integer in [lo, hi] from `rand`. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Float32 values uniform in [-1, 1) from `rand`. */
export function randomFloats(rand: () => number, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rand() * 2 - 1;
  return out;
}
