/**
 * Choosing int8 quantisation parameters the way TensorFlow does (ChooseQuantizationParams): activations
 * asymmetric over [-128, 127] with the range widened to include 0 and the zero point nudged to an integer;
 * weights symmetric over [-127, 127] with zero point 0. Scales are rounded to float32 here, since that is
 * what the model files store and what the runtimes compute multipliers from.
 */
import type { TensorQuant } from '../quant-types.ts';
import { roundHalfAway } from './quantized-multiplier.ts';

/** int8 activation limits. */
export const QMIN = -128;
export const QMAX = 127;
/** Symmetric weight limit (TFLite's narrow range: -127..127). */
export const WEIGHT_QMAX = 127;
/**
 * Smallest scale handed out (activations and weights): keeps scales, and products s_in · s_w of bias
 * scales, normal float32 numbers for vanishing ranges (a channel of ~0 weights quantises to zeros).
 */
export const MIN_SCALE = 1e-12;

/** Asymmetric per-tensor parameters for a real range (widened to include 0). */
export function chooseQuantParams(min: number, max: number): TensorQuant {
  const rmin = Math.min(min, 0);
  const rmax = Math.max(max, 0);
  if (rmax - rmin <= 0) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround(Math.max((rmax - rmin) / (QMAX - QMIN), MIN_SCALE));
  const fromMin = QMIN - rmin / scale;
  const fromMax = QMAX - rmax / scale;
  const fromMinError = Math.abs(QMIN) + Math.abs(rmin / scale);
  const fromMaxError = Math.abs(QMAX) + Math.abs(rmax / scale);
  const zp = fromMinError < fromMaxError ? fromMin : fromMax;
  const zeroPoint = zp < QMIN ? QMIN : zp > QMAX ? QMAX : roundHalfAway(zp);
  return { scale, zeroPoint };
}

/** real → int8 with the given parameters (round half away from zero, saturate). */
export function quantizeValue(real: number, q: TensorQuant): number {
  const v = roundHalfAway(real / q.scale) + q.zeroPoint;
  return v < QMIN ? QMIN : v > QMAX ? QMAX : v;
}

/** int8 → real. */
export function dequantizeValue(value: number, q: TensorQuant): number {
  return q.scale * (value - q.zeroPoint);
}

/** Quantises a whole float tensor. */
export function quantizeTensor(data: Float32Array, q: TensorQuant): Int8Array {
  return Int8Array.from(data, (v) => quantizeValue(v, q));
}

/** Dequantises a whole int8 tensor. */
export function dequantizeTensor(data: Int8Array, q: TensorQuant): Float32Array {
  return Float32Array.from(data, (v) => dequantizeValue(v, q));
}

/** Symmetric scale for a channel with largest magnitude `maxAbs` (1 for an all-zero channel). */
export function symmetricScale(maxAbs: number): number {
  return maxAbs > 0 ? Math.fround(Math.max(maxAbs / WEIGHT_QMAX, MIN_SCALE)) : 1;
}
