/**
 * TFLite's int8 kernels (reference_integer_ops, TFLite 2.9 semantics), one per exported IR op, on batch-1
 * NHWC Int8Arrays. Requantisation uses TFLite's fixed-point multipliers (`quantizeMultiplier` from the
 * float32 scales, exactly as the runtime's Prepare computes them in double) and
 * `multiplyByQuantizedMultiplier`, so results are bit-exact with TFLite's kernels. CONV_2D and
 * FULLY_CONNECTED run their GEMM in ruy in TFLite 2.9, whose final rescale rounds ties upward; by default
 * (`gemmRounding: 'ruy'`) those two use that rescale, `'reference'` gives the reference kernels' rounding.
 *  - conv / depthwise (per-channel, dilation): acc = Σ w·(x − zp_in) + bias, rescale by s_in·s_w[c]/s_out;
 *  - dense: same with one weight scale;
 *  - add: TFLite's int8 ADD (inputs shifted left by 20, rescaled by s_i / (2·max s), summed, rescaled by
 *    2·max s / (2^20 · s_out)); more than two inputs are added left to right, the partial sums carrying the
 *    output's quantisation;
 *  - concat: a copy when every input has the output's parameters (quantizeGraph guarantees it), else
 *    TFLite's float requantisation;
 *  - max pool: window max; avg pool: window sum over valid cells, (sum ± count/2) / count truncated;
 *  - mean over H, W: as the tflite writer lowers it (TFLite 2.9's int8 MEAN rounds differently per path),
 *    an AVERAGE_POOL_2D over the whole map — (Σx ± ⌊n/2⌋) / n truncated, in the input's parameters — then,
 *    only if the output has other parameters, TFLite's int8 → int8 QUANTIZE:
 *    (x − zp_in) rescaled by s_in/s_out with the fixed-point multiplier, + zp_out;
 *  - relu: TFLite's quantised RELU (rescale s_in/s_out, clamp at the output zero point).
 * Fused relu clamps at max(−128, zp_out).
 */
import { RanasError } from '../../src/errors.ts';
import type { FusedActivation, IrNode, IrNodeOf, OpType } from '../../src/ir/types.ts';
import type { QuantizedWeight, TensorQuant } from '../quant-types.ts';
import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway, type QuantizedMultiplier } from '../quantize/quantized-multiplier.ts';
import { axisGeometry } from './shapes.ts';

/** What an int8 kernel gets besides its node. */
export interface IntKernelArgs {
  inputs: Int8Array[];
  inShapes: number[][];
  outShape: number[];
  inQuant: TensorQuant[];
  outQuant: TensorQuant;
  /** A quantised weight by name (throws naming the node when missing). */
  weight(name: string | undefined, node: IrNode): QuantizedWeight;
  /** Final rescale of conv2d / dense accumulators (ruy's or the reference kernels'). */
  rescaleGemm(x: number, multiplier: number, shift: number): number;
}

type IntKernel<T extends OpType> = (node: IrNodeOf<T>, a: IntKernelArgs) => Int8Array;

/** TFLite computes multipliers from the float32 scales stored in the model, in double. */
const f32 = Math.fround;

/** [min, max] of the output after the fused activation (TFLite CalculateActivationRangeQuantized). */
export function activationRange(activation: FusedActivation, out: TensorQuant): [number, number] {
  return activation === 'relu' ? [Math.max(-128, out.zeroPoint), 127] : [-128, 127];
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** The int8 values of a weight (monomorphic typed-array access keeps the kernels fast). */
function int8Values(w: QuantizedWeight, node: IrNode): Int8Array {
  if (!(w.values instanceof Int8Array)) throw new RanasError('E_QUANT_WEIGHT', `node ${node.name} (${node.op}): weight values are ${w.values.constructor.name}; expected Int8Array`, { node: node.name });
  return w.values;
}

/** The int32 values of a bias. */
function int32Values(w: QuantizedWeight, node: IrNode): Int32Array {
  if (!(w.values instanceof Int32Array)) throw new RanasError('E_QUANT_BIAS', `node ${node.name} (${node.op}): bias values are ${w.values.constructor.name}; expected Int32Array`, { node: node.name });
  return w.values;
}

/** C++ integer division (truncates toward zero). */
function idiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/** Conv / depthwise (TFLite PopulateConvolutionQuantizationParams): s_in * s_w[c] / s_out in double. */
function channelMultipliers(sIn: number, wScales: Float32Array, sOut: number, channels: number): QuantizedMultiplier[] {
  return Array.from({ length: channels }, (_, c) => quantizeMultiplier((f32(sIn) * f32(wScales[wScales.length === 1 ? 0 : c])) / f32(sOut)));
}

/** Fully connected (TFLite GetQuantizedConvolutionMultipler): the product s_in * s_w is taken in float32. */
function denseMultiplier(sIn: number, wScale: number, sOut: number): QuantizedMultiplier {
  return quantizeMultiplier(f32(f32(sIn) * f32(wScale)) / f32(sOut));
}

function convolve(node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'>, a: IntKernelArgs, depthwise: boolean): Int8Array {
  const [h, w, cin] = a.inShapes[0];
  const [oh, ow, cout] = a.outShape;
  const x = a.inputs[0];
  const filterWeight = a.weight(node.weights.filter, node);
  const filter = int8Values(filterWeight, node);
  const scales = filterWeight.scales;
  const bias = node.weights.bias ? int32Values(a.weight(node.weights.bias, node), node) : undefined;
  const inOffset = -a.inQuant[0].zeroPoint;
  const mult = channelMultipliers(a.inQuant[0].scale, scales, a.outQuant.scale, cout);
  const rescale = depthwise ? multiplyByQuantizedMultiplier : a.rescaleGemm;
  const [lo, hi] = activationRange(node.attrs.activation, a.outQuant);
  const [kh, kw] = node.attrs.kernel;
  const [sh, sw] = node.attrs.strides;
  const [dh, dw] = node.attrs.dilation;
  const padTop = axisGeometry(h, kh, sh, dh, node.attrs.padding).padBefore;
  const padLeft = axisGeometry(w, kw, sw, dw, node.attrs.padding).padBefore;
  const out = new Int8Array(oh * ow * cout);
  // float64 sums of int products are exact below 2^53; `| 0` at the end gives int32 wrap-around semantics
  const acc = new Float64Array(cout);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      acc.fill(0);
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - padTop + ky * dh;
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - padLeft + kx * dw;
          if (ix < 0 || ix >= w) continue;
          const xBase = (iy * w + ix) * cin;
          const fBase = (ky * kw + kx) * cin;
          if (depthwise) {
            for (let c = 0; c < cin; c++) acc[c] += filter[fBase + c] * (x[xBase + c] + inOffset);
          } else {
            for (let ci = 0; ci < cin; ci++) {
              const v = x[xBase + ci] + inOffset;
              const row = (fBase + ci) * cout;
              for (let co = 0; co < cout; co++) acc[co] += filter[row + co] * v;
            }
          }
        }
      }
      const oBase = (oy * ow + ox) * cout;
      for (let co = 0; co < cout; co++) {
        const total = bias ? (acc[co] + bias[co]) | 0 : acc[co] | 0;
        const scaled = rescale(total, mult[co].multiplier, mult[co].shift) + a.outQuant.zeroPoint;
        out[oBase + co] = clamp(scaled, lo, hi);
      }
    }
  }
  return out;
}

/** TFLite int8 ADD of two tensors with their own quantisation. */
function addPair(x1: Int8Array, q1: TensorQuant, x2: Int8Array, q2: TensorQuant, out: TensorQuant, range: [number, number]): Int8Array {
  const leftShift = 20;
  const twiceMax = 2 * Math.max(f32(q1.scale), f32(q2.scale));
  const m1 = quantizeMultiplier(f32(q1.scale) / twiceMax);
  const m2 = quantizeMultiplier(f32(q2.scale) / twiceMax);
  const mOut = quantizeMultiplier(twiceMax / ((1 << leftShift) * f32(out.scale)));
  const result = new Int8Array(x1.length);
  for (let i = 0; i < x1.length; i++) {
    const s1 = multiplyByQuantizedMultiplier((x1[i] - q1.zeroPoint) * (1 << leftShift), m1.multiplier, m1.shift);
    const s2 = multiplyByQuantizedMultiplier((x2[i] - q2.zeroPoint) * (1 << leftShift), m2.multiplier, m2.shift);
    const raw = multiplyByQuantizedMultiplier(s1 + s2, mOut.multiplier, mOut.shift) + out.zeroPoint;
    result[i] = clamp(raw, range[0], range[1]);
  }
  return result;
}

function pool(node: IrNodeOf<'maxPool'> | IrNodeOf<'avgPool'>, a: IntKernelArgs, max: boolean): Int8Array {
  const [h, w, c] = a.inShapes[0];
  const [oh, ow] = a.outShape;
  const x = a.inputs[0];
  const [kh, kw] = node.attrs.kernel;
  const [sh, sw] = node.attrs.strides;
  const padTop = axisGeometry(h, kh, sh, 1, node.attrs.padding).padBefore;
  const padLeft = axisGeometry(w, kw, sw, 1, node.attrs.padding).padBefore;
  const out = new Int8Array(oh * ow * c);
  for (let oy = 0; oy < oh; oy++) {
    const y0 = Math.max(0, oy * sh - padTop);
    const y1 = Math.min(h, oy * sh - padTop + kh);
    for (let ox = 0; ox < ow; ox++) {
      const x0 = Math.max(0, ox * sw - padLeft);
      const x1 = Math.min(w, ox * sw - padLeft + kw);
      const count = (y1 - y0) * (x1 - x0);
      for (let ch = 0; ch < c; ch++) {
        let acc = max ? -128 : 0;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const v = x[(iy * w + ix) * c + ch];
            acc = max ? (v > acc ? v : acc) : acc + v;
          }
        }
        if (!max) acc = acc > 0 ? idiv(acc + idiv(count, 2), count) : idiv(acc - idiv(count, 2), count);
        out[(oy * ow + ox) * c + ch] = clamp(acc, -128, 127);
      }
    }
  }
  return out;
}

function unsupported(node: IrNode): never {
  throw new RanasError('E_CONVERT_OP', `node ${node.name} (${node.op}) has no int8 kernel; fold batch-norm and discretise mixed ops before quantising`, { node: node.name, op: node.op });
}

/** The int8 kernel of every op type (batchNorm and mixedOp have none: they never reach int8). */
export const INT_KERNELS: { [T in OpType]: IntKernel<T> } = {
  conv2d: (node, a) => convolve(node, a, false),
  depthwiseConv2d: (node, a) => convolve(node, a, true),
  batchNorm: (node) => unsupported(node),
  mixedOp: (node) => unsupported(node),
  relu: (_node, a) => {
    const m = quantizeMultiplier(f32(a.inQuant[0].scale) / f32(a.outQuant.scale));
    const lo = Math.max(-128, a.outQuant.zeroPoint);
    return Int8Array.from(a.inputs[0], (v) => clamp(a.outQuant.zeroPoint + multiplyByQuantizedMultiplier(v - a.inQuant[0].zeroPoint, m.multiplier, m.shift), lo, 127));
  },
  add: (node, a) => {
    if (a.inputs.length === 1) return Int8Array.from(a.inputs[0]);
    const range = activationRange(node.attrs.activation, a.outQuant);
    let acc = addPair(a.inputs[0], a.inQuant[0], a.inputs[1], a.inQuant[1], a.outQuant, a.inputs.length === 2 ? range : [-128, 127]);
    for (let k = 2; k < a.inputs.length; k++) {
      acc = addPair(acc, a.outQuant, a.inputs[k], a.inQuant[k], a.outQuant, k === a.inputs.length - 1 ? range : [-128, 127]);
    }
    return acc;
  },
  concat: (_node, a) => {
    const channels = a.inShapes.map((s) => s[s.length - 1]);
    const total = channels.reduce((s, c) => s + c, 0);
    const out = new Int8Array(a.outShape.reduce((p, d) => p * d, 1));
    const positions = out.length / total;
    const parts = a.inputs.map((x, k) => {
      const q = a.inQuant[k];
      if (q.scale === a.outQuant.scale && q.zeroPoint === a.outQuant.zeroPoint) return x;
      const scale = f32(f32(q.scale) * f32(1 / f32(a.outQuant.scale)));
      const bias = f32(-q.zeroPoint * scale);
      return Int8Array.from(x, (v) => clamp(roundHalfAway(f32(f32(v * scale) + bias)) + a.outQuant.zeroPoint, -128, 127));
    });
    for (let p = 0; p < positions; p++) {
      let offset = p * total;
      parts.forEach((x, k) => {
        out.set(x.subarray(p * channels[k], (p + 1) * channels[k]), offset);
        offset += channels[k];
      });
    }
    return out;
  },
  maxPool: (node, a) => pool(node, a, true),
  avgPool: (node, a) => pool(node, a, false),
  globalAvgPool: (_node, a) => {
    const [h, w, c] = a.inShapes[0];
    const n = h * w;
    const x = a.inputs[0];
    const qi = a.inQuant[0];
    const qo = a.outQuant;
    const sums = new Int32Array(c);
    for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) sums[ch] += x[i * c + ch];
    const half = idiv(n, 2);
    const means = Int32Array.from(sums, (s) => clamp(s > 0 ? idiv(s + half, n) : idiv(s - half, n), -128, 127));
    if (qi.scale === qo.scale && qi.zeroPoint === qo.zeroPoint) return Int8Array.from(means);
    const m = quantizeMultiplier(f32(qi.scale) / f32(qo.scale));
    return Int8Array.from(means, (v) => clamp(multiplyByQuantizedMultiplier(v - qi.zeroPoint, m.multiplier, m.shift) + qo.zeroPoint, -128, 127));
  },
  dense: (node, a) => {
    const x = a.inputs[0];
    const kernel = a.weight(node.weights.kernel, node);
    const kernelValues = int8Values(kernel, node);
    const bias = node.weights.bias ? int32Values(a.weight(node.weights.bias, node), node) : undefined;
    const cout = node.attrs.units;
    if (kernel.scales.length !== 1) {
      throw new RanasError('E_QUANT_WEIGHT', `node ${node.name} (dense) has ${kernel.scales.length} weight scales; TFLite 2.9 FULLY_CONNECTED takes one (per-tensor)`, { node: node.name });
    }
    const m = denseMultiplier(a.inQuant[0].scale, kernel.scales[0], a.outQuant.scale);
    const [lo, hi] = activationRange(node.attrs.activation, a.outQuant);
    const inOffset = -a.inQuant[0].zeroPoint;
    const out = new Int8Array(cout);
    for (let co = 0; co < cout; co++) {
      let acc = 0;
      for (let ci = 0; ci < x.length; ci++) acc += kernelValues[ci * cout + co] * (x[ci] + inOffset);
      if (bias) acc = (acc + bias[co]) | 0;
      out[co] = clamp(a.rescaleGemm(acc, m.multiplier, m.shift) + a.outQuant.zeroPoint, lo, hi);
    }
    return out;
  },
};
