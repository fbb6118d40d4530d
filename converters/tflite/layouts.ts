/**
 * Weight layout changes from the IR to TFLite, as pure functions on typed arrays:
 * conv filter [kh,kw,cin,cout] → OHWI [cout,kh,kw,cin]; depthwise [kh,kw,c,1] → [1,kh,kw,c] (the same
 * permutation); dense kernel [cin,cout] → [cout,cin]. Plus little-endian byte views for buffers.
 */
import { RanasError } from '../../src/errors.ts';

/** A writable numeric array (Float32Array, Int8Array, Int32Array, number[]). */
export interface NumericArray {
  readonly length: number;
  [index: number]: number;
}

/** Permutation taking an IR conv/depthwise filter [kh,kw,i,o] to TFLite's [o,kh,kw,i]. */
export const FILTER_TO_OHWI = [3, 0, 1, 2] as const;
/** Permutation taking an IR dense kernel [cin,cout] to TFLite's [cout,cin]. */
export const DENSE_TO_OUT_IN = [1, 0] as const;

/** Shape after permuting: out[i] = shape[perm[i]]. */
export function permuteShape(shape: readonly number[], perm: readonly number[]): number[] {
  return perm.map((p) => shape[p]);
}

/**
 * Writes `src` (row-major in `shape`) permuted by `perm` into `out` (row-major in permuteShape(shape, perm)).
 * Returns `out`.
 */
export function permuteInto<T extends NumericArray>(src: ArrayLike<number>, shape: readonly number[], perm: readonly number[], out: T): T {
  const rank = shape.length;
  const outShape = permuteShape(shape, perm);
  const srcStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    srcStrides[d] = s;
    s *= shape[d];
  }
  if (src.length !== s || out.length !== s) {
    throw new RanasError('E_CONVERT_TENSOR', `permuteInto: shape [${shape.join(',')}] holds ${s} values; got ${src.length} in and ${out.length} out`);
  }
  // Stride in src of each output axis.
  const strideOfOut = perm.map((p) => srcStrides[p]);
  const idx = new Array<number>(rank).fill(0);
  let srcPos = 0;
  for (let o = 0; o < s; o++) {
    out[o] = src[srcPos];
    // Increment the output multi-index (last axis fastest) and track the source offset.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      srcPos += strideOfOut[d];
      if (idx[d] < outShape[d]) break;
      srcPos -= strideOfOut[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Little-endian bytes of a typed array (a copy, so the buffer is owned and starts at offset 0). */
export function littleEndianBytes(values: Float32Array | Int32Array | Int8Array): Uint8Array {
  if (values instanceof Int8Array) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  if (values instanceof Float32Array) for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  else for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i], true);
  return out;
}
