/**
 * Manifest descriptions of boundary tensors. Shapes include the batch (1) in the runtime's layout:
 * TFLite NHWC ([1, H, W, C]), ONNX NCHW ([1, C, H, W]); vectors are [1, C] in both.
 */
import { RanasError } from '../../src/errors.ts';
import type { BundleRuntime, BundleTensor } from '../../src/bundle-format/manifest.ts';
import type { TensorQuant } from '../quant-types.ts';
import { onnxDims } from '../onnx/layout.ts';

/** Batch-1 file shape of an IR shape (no batch, NHWC) in each runtime's layout. */
export const RUNTIME_DIMS: Record<BundleRuntime, (irShape: readonly number[]) => number[]> = {
  tflite: (s) => [1, ...s],
  onnx: onnxDims,
};

/** Layout the device feeds images in, per runtime. */
export const RUNTIME_LAYOUT: Record<BundleRuntime, 'NHWC' | 'NCHW'> = { tflite: 'NHWC', onnx: 'NCHW' };

/**
 * Describes tensors for the manifest. With `quant` (int8 I/O) each tensor is int8 with its scale and zero
 * point; without, float32.
 */
export function bundleTensors(
  names: readonly string[],
  shapes: Map<string, number[]>,
  runtime: BundleRuntime,
  quant?: Record<string, TensorQuant>,
): BundleTensor[] {
  return names.map((name) => {
    const irShape = shapes.get(name);
    if (!irShape) throw new RanasError('E_BUNDLE_TENSOR', `no shape for boundary tensor ${name}`, { tensor: name });
    const shape = RUNTIME_DIMS[runtime](irShape);
    if (!quant) return { name, shape, dtype: 'float32' };
    const q = quant[name];
    if (!q) throw new RanasError('E_BUNDLE_TENSOR', `boundary tensor ${name} has no quantisation`, { tensor: name });
    return { name, shape, dtype: 'int8', scale: q.scale, zeroPoint: q.zeroPoint };
  });
}
