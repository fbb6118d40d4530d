/**
 * Test-only int8 convolution (per-channel, dilation, TF 'same'/'valid') with a choice of final rounding:
 * `ruy` for CONV_2D as TFLite 2.9 runs it, `reference` (gemmlowp, ties away from zero) for
 * DEPTHWISE_CONV_2D. Weights are in IR layout ([kh,kw,cin,cout] or [kh,kw,c,1]).
 */
import type { IrNodeOf } from '../../../src/ir/types.ts';
import type { QuantizedGraph } from '../../quant-types.ts';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../../quantize/quantized-multiplier.ts';
import { ruyMultiplyByQuantizedMultiplier } from '../ruy-requantize.ts';

/** Runs one conv2d/depthwiseConv2d node on an int8 input of shape [h, w, cin]. */
export function int8Conv(q: QuantizedGraph, node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'>, x: Int8Array, [h, w, cin]: number[]): Int8Array {
  const depthwise = node.op === 'depthwiseConv2d';
  const { kernel: [kh, kw], strides: [sh, sw], dilation: [dh, dw], padding } = node.attrs;
  const cout = node.op === 'conv2d' ? node.attrs.filters : cin;
  const filter = q.weights[node.weights.filter ?? ''];
  const bias = node.weights.bias ? q.weights[node.weights.bias].values : new Int32Array(cout);
  const inQ = q.activations[node.inputs[0]];
  const outQ = q.activations[node.name];
  const geometry = (len: number, k: number, s: number, d: number) => {
    const eff = (k - 1) * d + 1;
    const out = padding === 'same' ? Math.ceil(len / s) : Math.ceil((len - eff + 1) / s);
    const before = padding === 'same' ? Math.floor(Math.max((out - 1) * s + eff - len, 0) / 2) : 0;
    return { out, before };
  };
  const gy = geometry(h, kh, sh, dh);
  const gx = geometry(w, kw, sw, dw);
  const rescale = depthwise ? multiplyByQuantizedMultiplier : ruyMultiplyByQuantizedMultiplier;
  const lo = node.attrs.activation === 'relu' ? Math.max(-128, outQ.zeroPoint) : -128;
  const mult = Array.from({ length: cout }, (_, c) => quantizeMultiplier((Math.fround(inQ.scale) * Math.fround(filter.scales[c])) / Math.fround(outQ.scale)));
  const y = new Int8Array(gy.out * gx.out * cout);
  for (let oy = 0; oy < gy.out; oy++) {
    for (let ox = 0; ox < gx.out; ox++) {
      for (let co = 0; co < cout; co++) {
        let acc = bias[co];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - gy.before + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - gx.before + kx * dw;
            if (ix < 0 || ix >= w) continue;
            if (depthwise) acc += filter.values[(ky * kw + kx) * cin + co] * (x[(iy * w + ix) * cin + co] - inQ.zeroPoint);
            else for (let ci = 0; ci < cin; ci++) acc += filter.values[((ky * kw + kx) * cin + ci) * cout + co] * (x[(iy * w + ix) * cin + ci] - inQ.zeroPoint);
          }
        }
        const v = rescale(acc, mult[co].multiplier, mult[co].shift) + outQ.zeroPoint;
        y[(oy * gx.out + ox) * cout + co] = Math.min(127, Math.max(lo, v));
      }
    }
  }
  return y;
}
