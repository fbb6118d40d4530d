/**
 * Training-time augmentation and normalisation, written as tight loops over uint8 HWC images into a
 * float32 NHWC batch: pad-`padPx` random crop (zero padding), horizontal flip, per-channel mean/std
 * normalisation, then cutout (as in DARTS: the square's centre is uniform over the image, the square is
 * clipped at the borders, and it zeroes the *normalised* values because DARTS applies Cutout after
 * Normalize). Every random draw comes from the `Rng` passed in, five draws per image in a fixed order
 * (crop y, crop x, flip, cutout y, cutout x), so a batch is a pure function of (images, indices, rng state).
 */
import { RanasError } from '../errors.ts';
import type { Rng } from '../rng.ts';
import type { ImageDataset } from './types.ts';

/** CIFAR-10 per-channel mean and std of pixel/255 over the training set (RGB). */
export const CIFAR10_MEAN: readonly number[] = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD: readonly number[] = [0.247, 0.2435, 0.2616];

/** Normalisation: x = (pixel/255 - mean[c]) / std[c]. */
export interface Normalisation {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Augmentation settings; defaults are the CIFAR/DARTS ones. */
export interface AugmentOptions extends Partial<Normalisation> {
  /** Zero padding before the random crop, in pixels (default 4; 0 disables the crop). */
  readonly padPx?: number;
  /** Random horizontal flip with p = 0.5 (default true). */
  readonly flip?: boolean;
  /** Cutout square side in pixels (default 16; 0 disables). */
  readonly cutoutPx?: number;
}

/** A batch ready for the engine: NHWC float32 and int32 labels. */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Int32Array;
  /** [batch, height, width, channels]. */
  readonly shape: readonly [number, number, number, number];
  /** Dataset indices of the images, in batch order. */
  readonly indices: Int32Array;
}

/** Per-channel lookup tables: lut[c * 256 + v] = (v/255 - mean[c]) / std[c]. */
export function normalisationLut(channels: number, norm: Normalisation): Float32Array {
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw new RanasError('E_DATA_NORM', `normalisation has ${norm.mean.length} means and ${norm.std.length} stds; expected ${channels} (one per channel)`);
  }
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    if (!(norm.std[c] > 0)) throw new RanasError('E_DATA_NORM', `std[${c}] = ${norm.std[c]}; expected > 0`);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - norm.mean[c]) / norm.std[c];
  }
  return lut;
}

/** The dataset's normalisation: CIFAR-10 stats for 3-channel data unless given. */
export function defaultNormalisation(ds: Pick<ImageDataset, 'channels'>, opts: Partial<Normalisation> = {}): Normalisation {
  const three = ds.channels === 3;
  return {
    mean: opts.mean ?? (three ? CIFAR10_MEAN : new Array<number>(ds.channels).fill(0.5)),
    std: opts.std ?? (three ? CIFAR10_STD : new Array<number>(ds.channels).fill(0.25)),
  };
}

function checkIndices(ds: ImageDataset, indices: ArrayLike<number>): void {
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
      throw new RanasError('E_DATA_INDEX', `batch index ${i} at position ${k} is outside the dataset (0..${ds.count - 1}, ${ds.source})`);
    }
  }
}

const lutCache = new WeakMap<readonly number[], Map<string, Float32Array>>();
function cachedLut(channels: number, norm: Normalisation): Float32Array {
  let byStd = lutCache.get(norm.mean);
  if (!byStd) lutCache.set(norm.mean, (byStd = new Map()));
  const key = `${channels}:${norm.std.join(',')}`;
  let lut = byStd.get(key);
  if (!lut) byStd.set(key, (lut = normalisationLut(channels, norm)));
  return lut;
}

/** Augmented, normalised batch of the images at `indices`; consumes 5 draws of `rng` per image. */
export function augmentBatch(ds: ImageDataset, indices: ArrayLike<number>, rng: Rng, opts: AugmentOptions = {}): Batch {
  checkIndices(ds, indices);
  const { height: H, width: W, channels: C } = ds;
  const pad = opts.padPx ?? 4;
  const flip = opts.flip ?? true;
  const cut = opts.cutoutPx ?? 16;
  const lut = cachedLut(C, defaultNormalisation(ds, opts));
  const n = indices.length;
  const x = new Float32Array(n * H * W * C);
  const y = new Int32Array(n);
  const imgBytes = H * W * C;
  const padValue = new Float32Array(C); // a zero pixel after normalisation
  for (let c = 0; c < C; c++) padValue[c] = lut[c * 256];
  const src = ds.images;
  for (let k = 0; k < n; k++) {
    const idx = indices[k];
    y[k] = ds.labels[idx];
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const flipped = rng.nextU32() >= 0x80000000 && flip;
    const cy = rng.int(H);
    const cx = rng.int(W);
    const base = idx * imgBytes;
    const out = k * imgBytes;
    for (let r = 0; r < H; r++) {
      const sr = r + dy;
      const rowOut = out + r * W * C;
      if (sr < 0 || sr >= H) {
        for (let col = 0; col < W; col++) for (let c = 0; c < C; c++) x[rowOut + col * C + c] = padValue[c];
        continue;
      }
      const rowSrc = base + sr * W * C;
      for (let col = 0; col < W; col++) {
        const sc = (flipped ? W - 1 - col : col) + dx;
        const o = rowOut + col * C;
        if (sc < 0 || sc >= W) {
          for (let c = 0; c < C; c++) x[o + c] = padValue[c];
        } else {
          const s = rowSrc + sc * C;
          for (let c = 0; c < C; c++) x[o + c] = lut[c * 256 + src[s + c]];
        }
      }
    }
    if (cut > 0) {
      const half = cut >> 1;
      const y1 = Math.max(0, cy - half);
      const y2 = Math.min(H, cy + half);
      const x1 = Math.max(0, cx - half);
      const x2 = Math.min(W, cx + half);
      for (let r = y1; r < y2; r++) x.fill(0, out + (r * W + x1) * C, out + (r * W + x2) * C);
    }
  }
  return { x, y, shape: [n, H, W, C], indices: Int32Array.from(indices) };
}

/** Normalised batch without augmentation (evaluation). */
export function evalBatch(ds: ImageDataset, indices: ArrayLike<number>, norm: Partial<Normalisation> = {}): Batch {
  checkIndices(ds, indices);
  const { height: H, width: W, channels: C } = ds;
  const lut = cachedLut(C, defaultNormalisation(ds, norm));
  const imgBytes = H * W * C;
  const n = indices.length;
  const x = new Float32Array(n * imgBytes);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const idx = indices[k];
    y[k] = ds.labels[idx];
    const s = idx * imgBytes;
    const o = k * imgBytes;
    for (let p = 0; p < imgBytes; p += C) for (let c = 0; c < C; c++) x[o + p + c] = lut[c * 256 + ds.images[s + p + c]];
  }
  return { x, y, shape: [n, H, W, C], indices: Int32Array.from(indices) };
}

/** Consecutive evaluation batches over the whole dataset (the last one may be smaller). */
export function* evalBatches(ds: ImageDataset, batchSize: number, norm: Partial<Normalisation> = {}): Generator<Batch> {
  for (let start = 0; start < ds.count; start += batchSize) {
    const end = Math.min(ds.count, start + batchSize);
    const idx = new Int32Array(end - start);
    for (let i = 0; i < idx.length; i++) idx[i] = start + i;
    yield evalBatch(ds, idx, norm);
  }
}
