/**
 * What the training loop reads batches from: a deterministic, resumable stream of (already augmented and
 * normalised) NHWC float32 batches. `state()` taken after a batch, restored into a fresh source built
 * the same way, continues with exactly the next batch. `iteratorSource` adapts the data pipeline's
 * `BatchIterator`.
 */
import type { BatchIterator } from '../data/batch-iterator.ts';

/** One batch. */
export interface Batch {
  /** N*H*W*C float32, NHWC, normalised. */
  x: Float32Array;
  shape: [number, number, number, number];
  /** N class indices. */
  labels: Int32Array;
  /** 0-based epoch and batch index within it. */
  epoch: number;
  index: number;
}

/** A resumable batch stream. */
export interface BatchSource {
  /** Batches per epoch (the last partial batch is dropped). */
  readonly batchesPerEpoch: number;
  next(): Batch;
  /** JSON-safe position (epoch, index, generator states). */
  state(): unknown;
  restore(state: unknown): void;
}

/** A `BatchSource` over the data pipeline's iterator (built with dropLast, the default). */
export function iteratorSource(it: BatchIterator): BatchSource {
  return {
    batchesPerEpoch: it.batchesPerEpoch,
    next() {
      const b = it.next();
      return { x: b.x, shape: [b.shape[0], b.shape[1], b.shape[2], b.shape[3]], labels: b.y, epoch: b.epoch, index: b.step };
    },
    state: () => it.state(),
    restore: (s) => it.restore(s),
  };
}

/**
 * `batch` forever, as an endless epoch (no epoch end, so no checkpoint is written): the loops' own step on
 * one fixed batch, for throughput figures and benchmarks.
 */
export function repeatedSource(batch: Pick<Batch, 'x' | 'shape' | 'labels'>): BatchSource {
  let index = 0;
  return {
    batchesPerEpoch: Number.MAX_SAFE_INTEGER,
    next: () => ({ ...batch, epoch: 0, index: index++ }),
    state: () => ({ index }),
    restore: () => undefined,
  };
}
