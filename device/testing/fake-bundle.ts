/**
 * Test bundles without a model: a valid manifest over arbitrary segment bytes, written with the
 * converters' bundle writer (so the store sees exactly what `ranas export` writes).
 */
import { writeBundle, type BundleContents } from '../../converters/bundle/write-bundle.ts';
import type { BundleManifest, BundleTensor } from '../../src/bundle-format/manifest.ts';

const logits = (k: number, classes: number): BundleTensor => ({ name: `exit${k}/logits`, shape: [1, classes], dtype: 'float32' });
const state = (k: number): BundleTensor => ({ name: `state${k}`, shape: [1, 2, 2, 4], dtype: 'float32' });

/**
 * Contents of a fake fp32 TFLite bundle with `segments` segments of `segmentBytes` bytes each; with `split`,
 * also each segment as trunk k (→ `state<k>`) and head k (`state<k>` → exit k's logits).
 */
export function fakeBundleContents({ segments = 2, segmentBytes = 64, classes = 3, seed = 1, name = 'fake', split = false } = {}): BundleContents {
  const bytes = (k: number, salt: number) => Uint8Array.from({ length: segmentBytes }, (_, i) => (i * 31 + k * 7 + seed + salt) & 255);
  const input: BundleTensor = { name: 'input', shape: [1, 4, 4, 3], dtype: 'float32' };
  return {
    ...(split ? {
      split: Array.from({ length: segments }, (_, k) => ({
        trunk: { bytes: bytes(k, 101), inputs: [k === 0 ? input : state(k - 1)], outputs: [state(k)] },
        head: { bytes: bytes(k, 202), inputs: [state(k)], outputs: [logits(k, classes)] },
      })),
    } : {}),
    model: { name, genotypeHash: 'x'.repeat(8), dataset: 'synthetic', classNames: Array.from({ length: classes }, (_, i) => `c${i}`) },
    runtime: 'tflite',
    precision: 'fp32',
    input: { shape: [1, 4, 4, 3], layout: 'NHWC', dtype: 'float32', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    producer: { name: 'ranas', version: '0.0.0', gitCommit: 'test' },
    createdAt: '2026-01-01T00:00:00.000Z',
    segments: Array.from({ length: segments }, (_, k) => ({
      bytes: Uint8Array.from({ length: segmentBytes }, (_, i) => (i * 31 + k * 7 + seed) & 255),
      inputs: [k === 0 ? { name: 'input', shape: [1, 4, 4, 3], dtype: 'float32' } : state(k - 1)],
      outputs: k === segments - 1 ? [logits(k, classes)] : [state(k), logits(k, classes)],
      exit: { index: k, cumulativeMacs: 1000 * (k + 1), confidenceThreshold: k === segments - 1 ? 0 : 0.9, logits: `exit${k}/logits` },
    })),
  };
}

/** Writes a fake bundle folder; returns its manifest. */
export function writeFakeBundle(dir: string, opts: Parameters<typeof fakeBundleContents>[0] = {}): BundleManifest {
  return writeBundle(dir, fakeBundleContents(opts));
}
