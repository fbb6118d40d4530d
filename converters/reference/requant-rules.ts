/**
 * How the int8 reference turns real-valued results back into int8 steps. Two documented semantics share
 * the integer kernels (same int32 accumulators, same int32 biases, same shared-parameter rules); only the
 * rescale and its rounding differ:
 *  - `tflite`: TFLite 2.9's fixed-point requantisation (31-bit multiplier, then a rounding right shift — two
 *    roundings; ruy's ties-upward rescale for CONV_2D / FULLY_CONNECTED), int8 ADD with its 20-bit left
 *    shift, pooling means (Σq ± ⌊n/2⌋) / n truncated on the raw values;
 *  - `onnx-qdq`: ONNX QDQ semantics as onnxruntime's CPU kernels compute them — QuantizeLinear's
 *    round(x / scale) with ties to even, + zero point, saturated; convolution and dense accumulators
 *    rescaled by the float32 multiplier f32(f32(s_in·s_w) / s_out) in one float32 product (QLinearConv,
 *    MlasRequantizeOutput); adds on dequantised values; means of centred integers rounded onto the input's
    grid (how the ONNX writer lowers average pooling), requantised only if the output has other parameters.
 * The two agree to within one step per op; TFLite's double rounding differs from the single rounding
 * on ~0.1–0.3 % of convolution outputs, and those steps compound through a network, so each runtime is
 * compared with the rules it documents.
 */
import type { TensorQuant } from '../quant-types.ts';
import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway, roundHalfEven } from '../quantize/quantized-multiplier.ts';

/** The requantisation semantics the reference can follow. */
export type RequantSemantics = 'tflite' | 'onnx-qdq';

/** Which kernel a multiplier rescale belongs to (TFLite runs conv and dense through ruy, depthwise not). */
export type AccumulatorKind = 'conv' | 'depthwise' | 'dense';

/** The semantics-specific steps of the int8 kernels. Every function returns integers before clamping. */
export interface RequantRules {
  /**
   * Rescale of an int32 accumulator (bias included) of a conv / depthwise / dense output channel with input
   * scale `sIn`, weight scale `sW` and output scale `sOut`: output steps, without the output zero point.
   */
  accumulator(kind: AccumulatorKind, sIn: number, sW: number, sOut: number): (acc: number) => number;
  /** Elementwise int8 → int8 rescale of (q − zp_in) from `sIn` to `sOut`, without the output zero point. */
  rescale(sIn: number, sOut: number): (centred: number) => number;
  /** Sum of two int8 values with their own parameters, in `out`'s steps with its zero point (not clamped). */
  add(q1: TensorQuant, q2: TensorQuant, out: TensorQuant): (x1: number, x2: number) => number;
  /**
   * Mean of `count` raw int8 values summing to `sum` (each holding `inQ`'s zero point), in `outQ`'s steps
   * with its zero point (not clamped). Pooling keeps one grid (`inQ` equals `outQ`).
   */
  mean(sum: number, count: number, inQ: TensorQuant, outQ: TensorQuant): number;
  /** Concatenation input with other parameters than the output: int8 value → output int8 (not clamped). */
  requantize(inQ: TensorQuant, outQ: TensorQuant): (v: number) => number;
  /**
   * Standalone ReLU and the whole-map mean run as depthwise convolutions with unit weights
   * (quantize/unit-depthwise.ts): what the tflite writer emits so XNNPACK takes every int8 op.
   */
  unitDepthwise: boolean;
}

const f32 = Math.fround;

/** C++ integer division (truncates toward zero). */
function idiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/** TFLite's rules; `rescaleGemm` is ruy's rescale (default) or the reference kernels' (gemmlowp). */
export function tfliteRules(rescaleGemm: (x: number, multiplier: number, shift: number) => number): RequantRules {
  return {
    unitDepthwise: true,
    accumulator(kind, sIn, sW, sOut) {
      // Conv / depthwise: s_in·s_w/s_out in double (PopulateConvolutionQuantizationParams); dense takes the
      // product s_in·s_w in float32 first (GetQuantizedConvolutionMultipler).
      const real = kind === 'dense' ? f32(f32(sIn) * f32(sW)) / f32(sOut) : (f32(sIn) * f32(sW)) / f32(sOut);
      const m = quantizeMultiplier(real);
      const rescale = kind === 'depthwise' ? multiplyByQuantizedMultiplier : rescaleGemm;
      return (acc) => rescale(acc, m.multiplier, m.shift);
    },
    rescale(sIn, sOut) {
      const m = quantizeMultiplier(f32(sIn) / f32(sOut));
      return (centred) => multiplyByQuantizedMultiplier(centred, m.multiplier, m.shift);
    },
    add(q1, q2, out) {
      // TFLite int8 ADD: inputs shifted left by 20, rescaled by s_i / (2·max s), summed, rescaled by
      // 2·max s / (2^20 · s_out).
      const leftShift = 20;
      const twiceMax = 2 * Math.max(f32(q1.scale), f32(q2.scale));
      const m1 = quantizeMultiplier(f32(q1.scale) / twiceMax);
      const m2 = quantizeMultiplier(f32(q2.scale) / twiceMax);
      const mOut = quantizeMultiplier(twiceMax / ((1 << leftShift) * f32(out.scale)));
      return (x1, x2) => {
        const s1 = multiplyByQuantizedMultiplier((x1 - q1.zeroPoint) * (1 << leftShift), m1.multiplier, m1.shift);
        const s2 = multiplyByQuantizedMultiplier((x2 - q2.zeroPoint) * (1 << leftShift), m2.multiplier, m2.shift);
        return multiplyByQuantizedMultiplier(s1 + s2, mOut.multiplier, mOut.shift) + out.zeroPoint;
      };
    },
    mean(sum, count, inQ, outQ) {
      // AVERAGE_POOL_2D on the raw values, then (only when the parameters differ) an int8 → int8 QUANTIZE.
      const raw = sum > 0 ? idiv(sum + idiv(count, 2), count) : idiv(sum - idiv(count, 2), count);
      const mean = raw < -128 ? -128 : raw > 127 ? 127 : raw;
      if (inQ.scale === outQ.scale && inQ.zeroPoint === outQ.zeroPoint) return mean;
      const m = quantizeMultiplier(f32(inQ.scale) / f32(outQ.scale));
      return multiplyByQuantizedMultiplier(mean - inQ.zeroPoint, m.multiplier, m.shift) + outQ.zeroPoint;
    },
    requantize(inQ, outQ) {
      // CONCATENATION's float requantisation (reference_ops::ConcatenationWithScaling).
      const scale = f32(f32(inQ.scale) * f32(1 / f32(outQ.scale)));
      const bias = f32(-inQ.zeroPoint * scale);
      return (v) => roundHalfAway(f32(f32(v * scale) + bias)) + outQ.zeroPoint;
    },
  };
}

/** ONNX QDQ rules (QuantizeLinear rounds half to even), as onnxruntime computes them. */
export const ONNX_QDQ_RULES: RequantRules = {
  unitDepthwise: false,
  accumulator(_kind, sIn, sW, sOut) {
    const m = f32(f32(f32(sIn) * f32(sW)) / f32(sOut));
    // f32(acc)·m is exact in float64 (24 × 24 bits), so fround gives the float32 product.
    return (acc) => roundHalfEven(f32(f32(acc) * m));
  },
  rescale(sIn, sOut) {
    const ratio = f32(sIn) / f32(sOut);
    return (centred) => roundHalfEven(centred * ratio);
  },
  add(q1, q2, out) {
    const r1 = f32(q1.scale) / f32(out.scale);
    const r2 = f32(q2.scale) / f32(out.scale);
    return (x1, x2) => roundHalfEven((x1 - q1.zeroPoint) * r1 + (x2 - q2.zeroPoint) * r2) + out.zeroPoint;
  },
  mean(sum, count, inQ, outQ) {
    // The ONNX writer averages centred integers and rounds the mean onto the input's grid; only a mean
    // whose output has other parameters is requantised after that.
    const raw = roundHalfEven((sum - inQ.zeroPoint * count) / count) + inQ.zeroPoint;
    const mean = raw < -128 ? -128 : raw > 127 ? 127 : raw;
    if (inQ.scale === outQ.scale && inQ.zeroPoint === outQ.zeroPoint) return mean;
    return roundHalfEven((mean - inQ.zeroPoint) * (f32(inQ.scale) / f32(outQ.scale))) + outQ.zeroPoint;
  },
  requantize(inQ, outQ) {
    const ratio = f32(inQ.scale) / f32(outQ.scale);
    return (v) => roundHalfEven((v - inQ.zeroPoint) * ratio) + outQ.zeroPoint;
  },
};
