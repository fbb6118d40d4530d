/**
 * Layout rules of the ONNX writer. The IR is NHWC without batch; ONNX models are NCHW with batch 1, and so
 * are their inputs and outputs (graph inputs, segment boundary tensors and exits): feature maps
 * [H, W, C] → [1, C, H, W], vectors [C] → [1, C]. The device feeds NCHW (manifest layout `NCHW`).
 */
import { axisGeometry } from '../../src/ir/padding.ts';

/** ONNX dims (batch 1, NCHW) of an IR tensor shape (no batch, NHWC). */
export function onnxDims(irShape: readonly number[]): number[] {
  if (irShape.length === 3) return [1, irShape[2], irShape[0], irShape[1]];
  return [1, ...irShape];
}

type NumArray = Float32Array | Int8Array | Int32Array;

/**
 * Permutes a dense row-major array: output axis i is input axis `perm[i]`. Used for weights
 * (HWIO → OIHW is perm [3, 2, 0, 1]) and for NHWC ↔ NCHW data.
 */
export function permute<T extends NumArray>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const strideOfOut = perm.map((p) => inStrides[p]);
  const out = data.slice() as T;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i] * strideOfOut[i];
    out[o] = data[src];
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** IR data of one tensor (NHWC [H, W, C] or [C]) → ONNX order (NCHW). */
export function toOnnxLayout<T extends NumArray>(data: T, irShape: readonly number[]): T {
  return irShape.length === 3 ? permute(data, irShape, [2, 0, 1]) : data;
}

/** ONNX data (NCHW, batch 1) → IR order (NHWC [H, W, C] or [C]). */
export function fromOnnxLayout<T extends NumArray>(data: T, irShape: readonly number[]): T {
  return irShape.length === 3 ? permute(data, [irShape[2], irShape[0], irShape[1]], [1, 2, 0]) : data;
}

/**
 * Explicit pads [top, left, bottom, right] for TF padding: `same` gives out = ceil(in / stride) with the
 * odd pixel on the bottom/right; `valid` pads nothing.
 */
export function tfPads(
  padding: 'same' | 'valid',
  inHW: readonly [number, number],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number] = [1, 1],
): [number, number, number, number] {
  const h = axisGeometry(inHW[0], kernel[0], strides[0], dilation[0], padding);
  const w = axisGeometry(inHW[1], kernel[1], strides[1], dilation[1], padding);
  return [h.padBefore, w.padBefore, h.padAfter, w.padAfter];
}
