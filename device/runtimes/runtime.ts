/**
 * One interface over the inference runtimes (TFLite, ONNX Runtime, TFLite + Edge TPU delegate, and a
 * fake for tests). A loaded segment owns one typed array per input and per output, in the manifest's
 * order: the caller writes an input straight into `inputs[i]` (the runtime's own buffer: for TFLite the
 * tensor's data view, so handing an int8 tensor from one segment to the next is exactly one copy, and
 * never a requantisation), calls `run()`, then reads `outputs[j]` until the next `run()`.
 */
import type { TensorDType } from '../../src/bundle-format/dtype.ts';
import type { BundleTensor } from '../../src/bundle-format/manifest.ts';

/** Data of one tensor. */
export type TensorArray = Float32Array | Int8Array | Uint8Array | Int32Array;

/** Runtime names an agent can use. */
export type RuntimeName = 'tflite' | 'onnx' | 'edgetpu' | 'fake';

/** A model file loaded and ready to run. */
export interface LoadedSegment {
  /** Writable input buffers, in the manifest's input order. */
  readonly inputs: readonly TensorArray[];
  /** Output buffers after the last `run()`, in the manifest's output order. */
  readonly outputs: readonly TensorArray[];
  /** Runs once on the current contents of `inputs`. */
  run(): Promise<void>;
  dispose(): Promise<void>;
}

/** Options common to every runtime. */
export interface RuntimeOptions {
  /** CPU threads the runtime may use (TFLite numThreads, ORT intra-op threads). Default 1. */
  threads?: number;
}

export interface Runtime {
  readonly name: RuntimeName;
  /** Loads a model file; `tensors` are its manifest inputs and outputs (names, shapes, dtypes). */
  load(bytes: Uint8Array, tensors: { inputs: BundleTensor[]; outputs: BundleTensor[] }): Promise<LoadedSegment>;
}

/** Typed array constructor of each manifest dtype. */
export const TYPED_ARRAY: Record<TensorDType, (n: number) => TensorArray> = {
  float32: (n) => new Float32Array(n),
  int8: (n) => new Int8Array(n),
  uint8: (n) => new Uint8Array(n),
  int32: (n) => new Int32Array(n),
};

/** Element count of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Runs a loaded segment on `inputs` (copied into its buffers unless they are those buffers) and returns its outputs. */
export async function runSegment(seg: LoadedSegment, inputs: readonly TensorArray[]): Promise<readonly TensorArray[]> {
  inputs.forEach((v, i) => {
    const dst = seg.inputs[i];
    if (v !== dst) dst.set(v);
  });
  await seg.run();
  return seg.outputs;
}
