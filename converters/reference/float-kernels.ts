/**
 * fp32 kernels of the plain-TS reference executor, one per IR op (batch 1, NHWC without the batch axis).
 * Accumulation is float64; results are stored as float32. Batch-norm runs in eval mode (running statistics).
 */
import { RanasError } from '../../src/errors.ts';
import type { FusedActivation, IrNodeOf, ModelGraph, OpType } from '../../src/ir/types.ts';
import { axisGeometry } from '../../src/ir/padding.ts';

/** What a kernel gets besides its node. */
export interface FloatKernelArgs {
  inputs: Float32Array[];
  inShapes: number[][];
  outShape: number[];
  /** Float data of a weight by name (throws naming the weight when missing). */
  weight(name: string | undefined, node: string): Float32Array;
  graph: ModelGraph;
}

type FloatKernel<T extends OpType> = (node: IrNodeOf<T>, a: FloatKernelArgs) => Float32Array;

function activate(x: number, activation: FusedActivation): number {
  return activation === 'relu' && x < 0 ? 0 : x;
}

/** Conv or depthwise conv; `depthwise` reads filter [kh, kw, c, 1] and keeps channel c. */
function convolve(
  node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'>, a: FloatKernelArgs, depthwise: boolean,
): Float32Array {
  const [h, w, cin] = a.inShapes[0];
  const [oh, ow, cout] = a.outShape;
  const x = a.inputs[0];
  const filter = a.weight(node.weights.filter, node.name);
  const bias = node.weights.bias ? a.weight(node.weights.bias, node.name) : undefined;
  const [kh, kw] = node.attrs.kernel;
  const [sh, sw] = node.attrs.strides;
  const [dh, dw] = node.attrs.dilation;
  const padTop = axisGeometry(h, kh, sh, dh, node.attrs.padding).padBefore;
  const padLeft = axisGeometry(w, kw, sw, dw, node.attrs.padding).padBefore;
  const out = new Float32Array(oh * ow * cout);
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
            for (let c = 0; c < cin; c++) acc[c] += x[xBase + c] * filter[fBase + c];
          } else {
            for (let ci = 0; ci < cin; ci++) {
              const v = x[xBase + ci];
              const row = (fBase + ci) * cout;
              for (let co = 0; co < cout; co++) acc[co] += v * filter[row + co];
            }
          }
        }
      }
      const oBase = (oy * ow + ox) * cout;
      for (let co = 0; co < cout; co++) out[oBase + co] = activate(acc[co] + (bias ? bias[co] : 0), node.attrs.activation);
    }
  }
  return out;
}

function pool(node: IrNodeOf<'maxPool'> | IrNodeOf<'avgPool'>, a: FloatKernelArgs, max: boolean): Float32Array {
  const [h, w, c] = a.inShapes[0];
  const [oh, ow] = a.outShape;
  const x = a.inputs[0];
  const [kh, kw] = node.attrs.kernel;
  const [sh, sw] = node.attrs.strides;
  const padTop = axisGeometry(h, kh, sh, 1, node.attrs.padding).padBefore;
  const padLeft = axisGeometry(w, kw, sw, 1, node.attrs.padding).padBefore;
  const out = new Float32Array(oh * ow * c);
  for (let oy = 0; oy < oh; oy++) {
    const y0 = Math.max(0, oy * sh - padTop);
    const y1 = Math.min(h, oy * sh - padTop + kh);
    for (let ox = 0; ox < ow; ox++) {
      const x0 = Math.max(0, ox * sw - padLeft);
      const x1 = Math.min(w, ox * sw - padLeft + kw);
      const count = (y1 - y0) * (x1 - x0);
      for (let ch = 0; ch < c; ch++) {
        let acc = max ? -Infinity : 0;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const v = x[(iy * w + ix) * c + ch];
            acc = max ? Math.max(acc, v) : acc + v;
          }
        }
        out[(oy * ow + ox) * c + ch] = max ? acc : acc / count;
      }
    }
  }
  return out;
}

/** The fp32 kernel of every op type. */
export const FLOAT_KERNELS: { [T in OpType]: FloatKernel<T> } = {
  conv2d: (node, a) => convolve(node, a, false),
  depthwiseConv2d: (node, a) => convolve(node, a, true),
  batchNorm: (node, a) => {
    const x = a.inputs[0];
    const mean = a.weight(node.weights.movingMean, node.name);
    const variance = a.weight(node.weights.movingVariance, node.name);
    const gamma = node.weights.gamma ? a.weight(node.weights.gamma, node.name) : undefined;
    const beta = node.weights.beta ? a.weight(node.weights.beta, node.name) : undefined;
    const c = mean.length;
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const ch = i % c;
      const scale = (gamma ? gamma[ch] : 1) / Math.sqrt(variance[ch] + node.attrs.epsilon);
      out[i] = (x[i] - mean[ch]) * scale + (beta ? beta[ch] : 0);
    }
    return out;
  },
  relu: (_node, a) => a.inputs[0].map((v) => (v < 0 ? 0 : v)),
  add: (node, a) => {
    const out = new Float32Array(a.inputs[0].length);
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (const x of a.inputs) s += x[i];
      out[i] = activate(s, node.attrs.activation);
    }
    return out;
  },
  concat: (_node, a) => {
    const channels = a.inShapes.map((s) => s[s.length - 1]);
    const total = channels.reduce((s, c) => s + c, 0);
    const out = new Float32Array(a.outShape.reduce((p, d) => p * d, 1));
    const positions = out.length / total;
    for (let p = 0; p < positions; p++) {
      let offset = p * total;
      a.inputs.forEach((x, k) => {
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
    const acc = new Float64Array(c);
    const x = a.inputs[0];
    for (let i = 0; i < h * w; i++) for (let ch = 0; ch < c; ch++) acc[ch] += x[i * c + ch];
    return Float32Array.from(acc, (s) => s / (h * w));
  },
  dense: (node, a) => {
    const x = a.inputs[0];
    const kernel = a.weight(node.weights.kernel, node.name);
    const bias = node.weights.bias ? a.weight(node.weights.bias, node.name) : undefined;
    const cout = node.attrs.units;
    const acc = new Float64Array(cout);
    for (let ci = 0; ci < x.length; ci++) for (let co = 0; co < cout; co++) acc[co] += x[ci] * kernel[ci * cout + co];
    return Float32Array.from(acc, (s, co) => activate(s + (bias ? bias[co] : 0), node.attrs.activation));
  },
  mixedOp: (node, a) => {
    const alpha = a.weight(node.attrs.alpha, node.name);
    const k = node.attrs.primitives.length;
    const row = Array.from(alpha.subarray(node.attrs.row * k, (node.attrs.row + 1) * k));
    const top = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - top));
    const sum = exps.reduce((s, v) => s + v, 0);
    const live = node.attrs.primitives.map((p, i) => ({ p, i })).filter((e) => e.p !== 'none');
    if (live.length !== a.inputs.length) {
      throw new RanasError('E_CONVERT_MIXED_OP', `node ${node.name} (mixedOp) has ${a.inputs.length} inputs but ${live.length} non-none primitives`, { node: node.name });
    }
    const out = new Float32Array(a.inputs[0].length);
    for (let j = 0; j < out.length; j++) {
      let s = 0;
      live.forEach((e, idx) => { s += (exps[e.i] / sum) * a.inputs[idx][j]; });
      out[j] = s;
    }
    return out;
  },
};
