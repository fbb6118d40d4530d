/**
 * The real runtimes behind one small interface, for the export's accuracy check and tests: TFLite
 * (tfjs-tflite-node's TFLite 2.9) and ONNX (onnxruntime-node). Inputs and outputs are in IR layout
 * (NHWC, batch left out), keyed by tensor name.
 */
import type { BundleRuntime } from '../../src/bundle-format/manifest.ts';
import { loadTflite } from '../tflite/tflite-runner.ts';
import { openOnnx } from '../onnx/run-onnx.ts';

/** Tensor data the runtimes take and give. */
export type ModelData = Float32Array | Int8Array | Int32Array;

/** One loaded model. */
export interface ModelSession {
  run(inputs: Map<string, Float32Array | Int8Array>): Promise<Map<string, ModelData>>;
  release(): Promise<void>;
}

/** Opens model bytes in each runtime. `shapes` are IR shapes of the model's inputs and outputs. */
export const OPEN_MODEL: Record<BundleRuntime, (bytes: Uint8Array, shapes: Map<string, number[]>) => Promise<ModelSession>> = {
  tflite: async (bytes) => {
    const session = loadTflite(bytes);
    return {
      run: async (inputs) => session.run(Object.fromEntries(inputs)),
      release: async () => {},
    };
  },
  onnx: async (bytes, shapes) => {
    const runner = await openOnnx(bytes, shapes);
    return { run: (inputs) => runner.run(inputs), release: () => runner.release() };
  },
};
