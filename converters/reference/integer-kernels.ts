/**
 * The int8 kernels of the reference, one per exported IR op, on batch-1 NHWC Int8Arrays: int32
 * accumulators as TFLite's reference_integer_ops compute them, requantised by `RequantRules` — TFLite 2.9's
 * fixed-point rules (bit-exact with TFLite's kernels) or ONNX QDQ's round-half-to-even rules (see
 * requant-rules.ts). Per op:
 *  - conv / depthwise (per-channel, dilation): acc = Σ w·(x − zp_in) + bias, rescaled by s_in·s_w[c]/s_out;
 *  - dense: same with one weight scale;
 *  - add: the rules' two-input sum; more than two inputs are added left to right, the partial sums carrying
 *    the output's quantisation (as the TFLite writer chains ADDs);
 *  - concat: a copy when every input has the output's parameters (quantizeGraph guarantees it), else the
 *    rules' requantisation;
 *  - max pool: window max; avg pool: the rules' mean of the window's valid cells;
 *  - mean over H, W: TFLite: the H×W depthwise convolution with unit weights the tflite writer emits
 *    (quantize/unit-depthwise.ts); ONNX QDQ: the rules' mean of the whole map;
 *  - relu on a feature map: TFLite: the 1×1 unit depthwise convolution with fused RELU; otherwise the rules'
 *    rescale s_in/s_out, clamped at the output zero point.
 * Fused relu clamps at max(−128, zp_out).
 */
import { RanasError } from '../../src/errors.ts';
import type { FusedActivation, IrNode, IrNodeOf, OpType } from '../../src/ir/types.ts';
import type { QuantizedWeight, TensorQuant } from '../quant-types.ts';
import type { RequantRules } from './requant-rules.ts';
import { axisGeometry } from '../../src/ir/padding.ts';
import { UNIT_WEIGHT, unitWeightScale } from '../quantize/unit-depthwise.ts';

/** What an int8 kernel gets besides its node. */
export interface IntKernelArgs {
  inputs: Int8Array[];
  inShapes: number[][];
  outShape: number[];
  inQuant: TensorQuant[];
  outQuant: TensorQuant;
  /** A quantised weight by name (throws naming the node when missing). */
  weight(name: string | undefined, node: IrNode): QuantizedWeight;
  /** How results are requantised (TFLite's or ONNX QDQ's rules). */
  rules: RequantRules;
}

type IntKernel<T extends OpType> = (node: IrNodeOf<T>, a: IntKernelArgs) => Int8Array;

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

function convolve(node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'>, a: IntKernelArgs, depthwise: boolean): Int8Array {
  const [h, w, cin] = a.inShapes[0];
  const [oh, ow, cout] = a.outShape;
  const x = a.inputs[0];
  const filterWeight = a.weight(node.weights.filter, node);
  const filter = int8Values(filterWeight, node);
  const scales = filterWeight.scales;
  const bias = node.weights.bias ? int32Values(a.weight(node.weights.bias, node), node) : undefined;
  const inOffset = -a.inQuant[0].zeroPoint;
  const rescale = Array.from({ length: cout }, (_, c) => a.rules.accumulator(depthwise ? 'depthwise' : 'conv', a.inQuant[0].scale, scales[scales.length === 1 ? 0 : c], a.outQuant.scale));
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
        const scaled = rescale[co](total) + a.outQuant.zeroPoint;
        out[oBase + co] = clamp(scaled, lo, hi);
      }
    }
  }
  return out;
}

/** Elementwise sum of two int8 tensors with their own quantisation, by the rules. */
function addPair(rules: RequantRules, x1: Int8Array, q1: TensorQuant, x2: Int8Array, q2: TensorQuant, out: TensorQuant, range: [number, number]): Int8Array {
  const sum = rules.add(q1, q2, out);
  const result = new Int8Array(x1.length);
  for (let i = 0; i < x1.length; i++) result[i] = clamp(sum(x1[i], x2[i]), range[0], range[1]);
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
        if (!max) acc = a.rules.mean(acc, count, a.inQuant[0], a.outQuant);
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
    const lo = Math.max(-128, a.outQuant.zeroPoint);
    const zi = a.inQuant[0].zeroPoint;
    if (a.rules.unitDepthwise && a.inShapes[0].length === 3) {
      const rescale = a.rules.accumulator('depthwise', a.inQuant[0].scale, unitWeightScale(1), a.outQuant.scale);
      return Int8Array.from(a.inputs[0], (v) => clamp(a.outQuant.zeroPoint + rescale(UNIT_WEIGHT * (v - zi)), lo, 127));
    }
    const rescale = a.rules.rescale(a.inQuant[0].scale, a.outQuant.scale);
    return Int8Array.from(a.inputs[0], (v) => clamp(a.outQuant.zeroPoint + rescale(v - zi), lo, 127));
  },
  add: (node, a) => {
    if (a.inputs.length === 1) return Int8Array.from(a.inputs[0]);
    const range = activationRange(node.attrs.activation, a.outQuant);
    let acc = addPair(a.rules, a.inputs[0], a.inQuant[0], a.inputs[1], a.inQuant[1], a.outQuant, a.inputs.length === 2 ? range : [-128, 127]);
    for (let k = 2; k < a.inputs.length; k++) {
      acc = addPair(a.rules, acc, a.outQuant, a.inputs[k], a.inQuant[k], a.outQuant, k === a.inputs.length - 1 ? range : [-128, 127]);
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
      const requantize = a.rules.requantize(q, a.outQuant);
      return Int8Array.from(x, (v) => clamp(requantize(v), -128, 127));
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
    if (a.rules.unitDepthwise) {
      const rescale = a.rules.accumulator('depthwise', qi.scale, unitWeightScale(n), qo.scale);
      return Int8Array.from(sums, (s) => clamp(qo.zeroPoint + rescale(UNIT_WEIGHT * (s - n * qi.zeroPoint)), -128, 127));
    }
    return Int8Array.from(sums, (s) => clamp(a.rules.mean(s, n, qi, qo), -128, 127));
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
    const rescale = a.rules.accumulator('dense', a.inQuant[0].scale, kernel.scales[0], a.outQuant.scale);
    const [lo, hi] = activationRange(node.attrs.activation, a.outQuant);
    const inOffset = -a.inQuant[0].zeroPoint;
    const out = new Int8Array(cout);
    for (let co = 0; co < cout; co++) {
      let acc = 0;
      for (let ci = 0; ci < x.length; ci++) acc += kernelValues[ci * cout + co] * (x[ci] + inOffset);
      if (bias) acc = (acc + bias[co]) | 0;
      out[co] = clamp(rescale(acc) + a.outQuant.zeroPoint, lo, hi);
    }
    return out;
  },
};
