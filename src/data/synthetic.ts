/**
 * Generated image datasets for tests and smoke runs (no download): each class is a distinct colour
 * gradient plus seeded noise, so a tiny net can learn it in a few steps.
 */
import { Rng } from '../rng.ts';
import type { ImageDataset } from './types.ts';

/** Options for `syntheticDataset`. */
export interface SyntheticOptions {
  readonly count: number;
  readonly classes?: number;
  readonly height?: number;
  readonly width?: number;
  readonly channels?: number;
  readonly seed?: number;
  /** Noise amplitude in pixel units (default 24). */
  readonly noise?: number;
}

/** A learnable generated dataset; labels cycle 0..classes-1 so every class is present. */
export function syntheticDataset(opts: SyntheticOptions): ImageDataset {
  const { count, classes = 10, height = 32, width = 32, channels = 3, seed = 0, noise = 24 } = opts;
  const rng = new Rng(seed);
  const images = new Uint8Array(count * height * width * channels);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    labels[i] = label;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        for (let ch = 0; ch < channels; ch++) {
          const phase = ((label + 1) * (ch + 1)) % 7;
          const base = 128 + 90 * Math.sin((phase * (r + 1)) / height + (label * c) / width);
          const v = base + noise * (rng.nextFloat() * 2 - 1);
          images[((i * height + r) * width + c) * channels + ch] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
  }
  return {
    images, labels, count, height, width, channels,
    classNames: Array.from({ length: classes }, (_, k) => `class_${k}`),
    source: `synthetic(count=${count}, classes=${classes}, seed=${seed})`,
  };
}
