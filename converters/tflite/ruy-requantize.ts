/**
 * Requantisation as TFLite 2.9 really runs it where its int8 kernels differ from the reference kernels,
 * measured against the runtime in tfjs-tflite-node (see write-tflite-int8.test.ts):
 *
 * - CONV_2D and FULLY_CONNECTED run their GEMM in ruy, whose fixed-point rescale rounds ties of the final
 *   right shift toward +infinity, where TFLite's reference kernels (gemmlowp's RoundingDivideByPOT) round
 *   ties away from zero. They differ by one step exactly when a negative value lands on a tie (about 1 in
 *   700 outputs of a conv without ReLU). `ruyMultiplyByQuantizedMultiplier` reproduces ruy bit-exactly
 *   (0 differences in 122,880 outputs of a 1×1 conv, plus the conv-chain test).
 * - The global average pool this writer emits (AVERAGE_POOL_2D over the whole map, then an int8 → int8
 *   QUANTIZE when the output's parameters differ) is `globalAvgPoolInt8`.
 *
 * DEPTHWISE_CONV_2D, pooling, ADD, CONCATENATION and RELU round like the reference kernels.
 */
import type { TensorQuant } from '../quant-types.ts';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../quantize/quantized-multiplier.ts';

const TWO_15 = 32768;
const TWO_16 = 65536;
const TWO_30 = 1073741824;
const TWO_31 = 2147483648;

/** floor((a·b + 2^30) / 2^31) for int32 a and a multiplier b in [0, 2^31): the high half, ties up. Exact in float64. */
export function roundHalfUpHighMul(a: number, b: number): number {
  const bHi = Math.floor(b / TWO_16);
  const bLo = b - bHi * TWO_16;
  const hi = a * bHi; // |hi| < 2^46
  const lo = a * bLo; // |lo| < 2^47
  const hiQ = Math.floor(hi / TWO_15);
  const hiR = hi - hiQ * TWO_15; // a·b = hiQ·2^31 + hiR·2^16 + lo
  return hiQ + Math.floor((hiR * TWO_16 + lo + TWO_30) / TWO_31);
}

/** ruy's rescale of an int32 accumulator: x · multiplier · 2^(shift − 31), every rounding ties upward. */
export function ruyMultiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  const high = roundHalfUpHighMul(Math.imul(x, 2 ** leftShift), multiplier);
  if (rightShift === 0) return high;
  return Math.floor((high + 2 ** (rightShift - 1)) / 2 ** rightShift);
}

/**
 * int8 global average pool over [H, W, C] (NHWC, batch 1) as the exported model computes it:
 * avg = (Σx + sign(Σx)·⌊n/2⌋) / n truncated, on the raw int8 values (TFLite's int8 AVERAGE_POOL_2D),
 * then, when `outQ` differs from `inQ`, (avg − zp_in)·s_in/s_out + zp_out with TFLite's fixed-point
 * multiplier (its int8 → int8 QUANTIZE), clamped to int8.
 */
export function globalAvgPoolInt8(x: Int8Array, [h, w, c]: readonly number[], inQ: TensorQuant, outQ: TensorQuant): Int8Array {
  const n = h * w;
  const same = inQ.scale === outQ.scale && inQ.zeroPoint === outQ.zeroPoint;
  const m = quantizeMultiplier(Math.fround(inQ.scale) / Math.fround(outQ.scale));
  const out = new Int8Array(c);
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let p = 0; p < n; p++) sum += x[p * c + ch];
    const avg = Math.max(-128, Math.min(127, Math.trunc((sum + Math.sign(sum) * Math.trunc(n / 2)) / n)));
    out[ch] = same ? avg : Math.max(-128, Math.min(127, multiplyByQuantizedMultiplier(avg - inQ.zeroPoint, m.multiplier, m.shift) + outQ.zeroPoint));
  }
  return out;
}
