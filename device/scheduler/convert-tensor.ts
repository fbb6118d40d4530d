/**
 * Hand-off between segments of different precisions (a bundle whose segments run in the precision chosen by
 * measurement): an int8 tensor entering an fp32 segment is dequantised, a float tensor entering an int8
 * segment is quantised with the receiving side's scale and zero point (TFLite's rounding). (Two int8 sides
 * never disagree: a segment carries one form per precision, and forms of one precision share a cut's
 * quantisation.) One pass, no allocation.
 */
import { RanasError } from '../../src/errors.ts';
import type { TensorDType } from '../../src/bundle-format/dtype.ts';
import type { BundleTensor } from '../../src/bundle-format/manifest.ts';
import type { TensorArray } from '../runtimes/runtime.ts';
import { quantizeValue } from './preprocess.ts';

/** Copies `src` (described by `from`) into `dst` (described by `to`), converting the representation. */
export type TensorConverter = (src: TensorArray, dst: TensorArray) => void;

type Quant = { scale: number; zeroPoint: number };

const quantOf = (t: BundleTensor): Quant => {
  if (t.scale === undefined || t.zeroPoint === undefined) throw new RanasError('E_SEGMENT_WIRING', `int8 tensor '${t.name}' has no scale and zero point`, { tensor: t.name });
  return { scale: t.scale, zeroPoint: t.zeroPoint };
};

/** The converter of each (from, to) dtype pair the chain supports. */
const CONVERTERS: Partial<Record<`${TensorDType}>${TensorDType}`, (from: BundleTensor, to: BundleTensor) => TensorConverter>> = {
  'int8>float32': (from) => {
    const { scale, zeroPoint } = quantOf(from);
    return (src, dst) => {
      for (let i = 0; i < dst.length; i++) dst[i] = scale * (src[i] - zeroPoint);
    };
  },
  'float32>int8': (_from, to) => {
    const { scale, zeroPoint } = quantOf(to);
    return (src, dst) => {
      for (let i = 0; i < dst.length; i++) dst[i] = quantizeValue(src[i], scale, zeroPoint);
    };
  },
};

/** True when the tensor moves between the two sides as it is (same dtype and quantisation). */
export function sameRepresentation(from: BundleTensor, to: BundleTensor): boolean {
  return from.dtype === to.dtype && from.scale === to.scale && from.zeroPoint === to.zeroPoint;
}

/** The converter from `from` to `to`; E_SEGMENT_WIRING for a pair the chain cannot convert. */
export function converterOf(from: BundleTensor, to: BundleTensor): TensorConverter {
  const make = CONVERTERS[`${from.dtype}>${to.dtype}`];
  if (!make) throw new RanasError('E_SEGMENT_WIRING', `tensor '${to.name}' leaves as ${from.dtype} and enters as ${to.dtype}; the chain converts int8 ↔ float32 only`, { tensor: to.name });
  return make(from, to);
}
