/**
 * The contract between training loops (train, search, bench) and the data-parallel engine that splits a
 * batch across worker threads (this machine has 2 cores; wasm runs one thread per isolate).
 */
import type { tf } from './tf.ts';

/**
 * A serialisable recipe that builds the same model in any thread: the module is imported in each worker
 * and `exportName` is called with `config` (which must be structured-cloneable: plain data and typed arrays).
 */
export interface ModelRecipe {
  /** Absolute path or file URL of a .ts/.js module. */
  module: string;
  /** Name of an exported `(config) => TrainableModel | Promise<TrainableModel>` function. */
  exportName: string;
  config: unknown;
}

/** Per-step settings every replica applies to its shard (structured-cloneable). */
export interface StepSettings {
  /**
   * Drop-path probability and this step's mask seed. Masks are a function of the seed and the global sample
   * index, so every split of the batch across replicas draws the same masks.
   */
  dropPath?: { prob: number; seed: number };
}

/** One shard's view of a step: the step's settings plus the global batch index of the shard's first row. */
export interface ShardStep extends StepSettings {
  sampleOffset: number;
}

/** What a recipe builds. */
export interface TrainableModel {
  /** Trainable variables by name (weights; architecture parameters too, in search). */
  variables: Map<string, tf.Variable>;
  /** Non-trainable state a training forward pass updates (batch-norm running statistics), by name. */
  buffers: Map<string, tf.Variable>;
  /**
   * Training-mode loss on one batch: the total (what is differentiated) and its terms (per-exit
   * cross-entropies), all means over the batch. Must update `buffers` as a side effect.
   */
  loss(x: tf.Tensor4D, labels: tf.Tensor1D, step?: ShardStep): { total: tf.Scalar; terms: tf.Scalar[] };
  /** Releases tensors. */
  dispose(): void;
}

/** Averaged result of one data-parallel gradient computation. */
export interface GradientResult {
  /** d total / d variable, averaged over the whole batch (shards weighted by size), by variable name. */
  grads: Map<string, Float32Array>;
  total: number;
  terms: number[];
}

/** A model replicated across threads. Replica 0 lives in the calling thread and is the master copy. */
export interface DataParallel {
  /** Replica 0: the optimizer updates its variables; other replicas are synced before each computation. */
  readonly model: TrainableModel;
  readonly replicas: number;
  /**
   * Splits the batch (x: N*H*W*C float32 NHWC, labels: N int32) across replicas, computes gradients of
   * `total` with respect to `varNames` (default: every variable), returns them averaged, and leaves the
   * batch-norm buffers of every replica equal to their average. `step` carries per-step settings (drop-path).
   */
  gradients(x: Float32Array, shape: [number, number, number, number], labels: Int32Array, varNames?: string[], step?: StepSettings): Promise<GradientResult>;
  dispose(): Promise<void>;
}
