/**
 * Post-training int8 quantisation of a folded, fused graph (TFLite's int8 scheme, see quant-types.ts):
 *  - activations per-tensor asymmetric from the calibrated ranges (widened to include 0, zero point nudged);
 *  - tensors TFLite requires to share parameters get one: every input and the output of a concat, the
 *    input and output of max/avg pooling (the union of their ranges — the producers of those inputs then
 *    write in the shared parameters, so nothing is requantised). The global mean shares its input's too:
 *    it is exported as a whole-map AVERAGE_POOL_2D, whose result is on the input's grid anyway (its own
 *    parameters would only add a requantising QUANTIZE and a second rounding);
 *  - a fused relu is part of its producer's output range (min 0), and the int8 kernels clamp at its zero
 *    point;
 *  - conv / depthwise weights per output channel symmetric in [-127, 127], dense per tensor;
 *  - int32 biases with scale s_in * s_w[c], checked by `checkQuantizedGraph` (TFLite 2.9 does not check it).
 */
import { RanasError, type ErrorCode } from '../../src/errors.ts';
import type { IrNode, ModelGraph, OpType } from '../../src/ir/types.ts';
import type { QuantizedGraph, QuantizedWeight, TensorQuant } from '../quant-types.ts';
import type { TensorRanges } from './calibrate.ts';
import { chooseQuantParams, symmetricScale, WEIGHT_QMAX } from './quant-params.ts';
import { roundHalfAway } from './quantized-multiplier.ts';

/** Relative tolerance of the bias-scale check (TFLite's own check for per-tensor FC uses 1e-6). */
export const BIAS_SCALE_TOLERANCE = 1e-6;

const INT32_MAX = 2147483647;

/** Ops whose inputs and output must carry one quantisation (they move or average values, never rescale). */
const SHARES_INPUT_QUANT: Record<OpType, boolean> = {
  concat: true,
  maxPool: true,
  avgPool: true,
  globalAvgPool: true,
  conv2d: false,
  depthwiseConv2d: false,
  batchNorm: false,
  relu: false,
  add: false,
  dense: false,
  mixedOp: false,
};

/** Tensors of a node that must carry the same quantisation (its inputs and output). */
function sharedQuantTensors(node: IrNode): string[] {
  return SHARES_INPUT_QUANT[node.op] ? [...node.inputs, node.name] : [];
}

/** Union-find over tensor names. */
class Groups {
  private readonly parent = new Map<string, string>();
  find(t: string): string {
    let root = t;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root) as string;
    this.parent.set(t, root);
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

function assertQuantizable(graph: ModelGraph): void {
  for (const node of graph.nodes) {
    if (node.op === 'batchNorm' || node.op === 'mixedOp') {
      throw new RanasError('E_CONVERT_OP', `node ${node.name} (${node.op}) cannot be quantised: ${node.op === 'batchNorm' ? 'run foldBatchNorm first' : 'search-only op; discretise the genotype first'}`, { node: node.name, op: node.op });
    }
  }
}

/** Activation parameters of every tensor, with the shared-parameter groups applied. */
function activationQuant(graph: ModelGraph, ranges: TensorRanges): Record<string, TensorQuant> {
  const tensors = [...graph.inputs.map((i) => i.name), ...graph.nodes.map((n) => n.name)];
  const reluOut = new Set(graph.nodes.filter((n) => ('activation' in n.attrs && n.attrs.activation === 'relu') || n.op === 'relu').map((n) => n.name));
  const groups = new Groups();
  for (const node of graph.nodes) {
    const shared = sharedQuantTensors(node);
    for (let i = 1; i < shared.length; i++) groups.union(shared[0], shared[i]);
  }
  const unionRange = new Map<string, { min: number; max: number }>();
  for (const t of tensors) {
    const r = ranges[t];
    if (!r || !Number.isFinite(r.min) || !Number.isFinite(r.max) || r.min > r.max) {
      throw new RanasError('E_QUANT_RANGE', `tensor ${t} has no calibrated range (found ${r ? `[${r.min}, ${r.max}]` : 'none'}); expected finite min <= max — calibrate the same graph`, { tensor: t });
    }
    const min = reluOut.has(t) ? Math.max(r.min, 0) : r.min;
    const root = groups.find(t);
    const u = unionRange.get(root);
    unionRange.set(root, u ? { min: Math.min(u.min, min), max: Math.max(u.max, r.max) } : { min, max: r.max });
  }
  const out: Record<string, TensorQuant> = {};
  const byRoot = new Map<string, TensorQuant>();
  for (const t of tensors) {
    const root = groups.find(t);
    let q = byRoot.get(root);
    if (!q) {
      const u = unionRange.get(root) as { min: number; max: number };
      q = chooseQuantParams(u.min, u.max);
      byRoot.set(root, q);
    }
    out[t] = { ...q };
  }
  return out;
}

/** Symmetric int8 quantisation of `data` with `channels` interleaved channels (channel = index % channels). */
export function quantizeSymmetric(data: Float32Array, channels: number, axis: number): QuantizedWeight {
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) maxAbs[i % channels] = Math.max(maxAbs[i % channels], Math.abs(data[i]));
  const scales = Float32Array.from(maxAbs, symmetricScale);
  const values = Int8Array.from(data, (v, i) => Math.max(-WEIGHT_QMAX, Math.min(WEIGHT_QMAX, roundHalfAway(v / scales[i % channels]))));
  return { values, scales, axis };
}

/** int32 bias with scale s_in * s_w[c] (per channel, or one scale when s_w has one). */
export function quantizeBias(data: Float32Array, inputScale: number, weightScales: Float32Array): QuantizedWeight {
  const scales = Float32Array.from(weightScales, (s) => inputScale * s);
  const values = Int32Array.from(data, (v, c) => {
    const q = roundHalfAway(v / scales[scales.length === 1 ? 0 : c]);
    return Math.max(-INT32_MAX, Math.min(INT32_MAX, q));
  });
  return { values, scales, axis: 0 };
}

function weightOf(graph: ModelGraph, name: string | undefined, node: IrNode, role: string): Float32Array {
  const w = name === undefined ? undefined : graph.weights[name];
  if (!w) throw new RanasError('E_CONVERT_WEIGHT', `node ${node.name} (${node.op}) has no ${role} weight (found ${name ?? 'none'})`, { node: node.name, role });
  return w.data;
}

function sameWeight(a: QuantizedWeight, b: QuantizedWeight): boolean {
  return a.scales.length === b.scales.length && a.scales.every((s, i) => s === b.scales[i]) && a.values.every((v, i) => v === b.values[i]);
}

function quantizeWeights(graph: ModelGraph, activations: Record<string, TensorQuant>): Record<string, QuantizedWeight> {
  const weights: Record<string, QuantizedWeight> = {};
  const put = (name: string, q: QuantizedWeight, node: IrNode) => {
    const prev = weights[name];
    if (prev && !sameWeight(prev, q)) {
      throw new RanasError('E_QUANT_SHARED_WEIGHT', `weight ${name} is shared by nodes that need different quantisation (node ${node.name}); expected one quantisation per weight`, { node: node.name, weight: name });
    }
    weights[name] = q;
  };
  for (const node of graph.nodes) {
    if (node.op !== 'conv2d' && node.op !== 'depthwiseConv2d' && node.op !== 'dense') continue;
    const mainName = node.op === 'dense' ? node.weights.kernel : node.weights.filter;
    const data = weightOf(graph, mainName, node, node.op === 'dense' ? 'kernel' : 'filter');
    const w = node.op === 'conv2d' ? quantizeSymmetric(data, node.attrs.filters, 3)
      : node.op === 'depthwiseConv2d' ? quantizeSymmetric(data, graph.weights[mainName as string].shape[2], 3)
        : quantizeSymmetric(data, 1, 1);
    put(mainName as string, w, node);
    if (node.weights.bias) {
      const bias = weightOf(graph, node.weights.bias, node, 'bias');
      put(node.weights.bias, quantizeBias(bias, activations[node.inputs[0]].scale, w.scales), node);
    }
  }
  return weights;
}

function fail(code: ErrorCode, node: IrNode, message: string): never {
  throw new RanasError(code, `node ${node.name} (${node.op}): ${message}`, { node: node.name, op: node.op });
}

function sameQuant(a: TensorQuant, b: TensorQuant): boolean {
  return a.scale === b.scale && a.zeroPoint === b.zeroPoint;
}

/**
 * Checks the invariants the int8 runtimes rely on: every tensor quantised with zero point in [-128, 127];
 * weights in [-127, 127]; bias scale = s_in * s_w[c] (relative tolerance 1e-6) with as many scales as the
 * weight; shared parameters on concat / pool / mean. Throws naming the node; returns nothing when it holds.
 */
export function checkQuantizedGraph(q: QuantizedGraph): void {
  const { graph, activations, weights } = q;
  for (const t of [...graph.inputs.map((i) => i.name), ...graph.nodes.map((n) => n.name)]) {
    const a = activations[t];
    if (!a || !(a.scale > 0) || !Number.isInteger(a.zeroPoint) || a.zeroPoint < -128 || a.zeroPoint > 127) {
      throw new RanasError('E_QUANT_INVALID', `tensor ${t} has quantisation ${JSON.stringify(a)}; expected scale > 0 and an integer zero point in [-128, 127]`, { tensor: t });
    }
  }
  for (const node of graph.nodes) {
    const shared = sharedQuantTensors(node);
    for (const t of shared) {
      if (!sameQuant(activations[t], activations[node.name])) {
        fail('E_QUANT_SHARED', node, `tensor ${t} has scale ${activations[t].scale} / zero point ${activations[t].zeroPoint} but the output has ${activations[node.name].scale} / ${activations[node.name].zeroPoint}; expected one shared quantisation`);
      }
    }
    if (node.op !== 'conv2d' && node.op !== 'depthwiseConv2d' && node.op !== 'dense') continue;
    const mainName = (node.op === 'dense' ? node.weights.kernel : node.weights.filter) as string;
    const w = weights[mainName];
    if (!w || !(w.values instanceof Int8Array)) fail('E_QUANT_WEIGHT', node, `weight ${mainName} is not quantised to int8`);
    for (const v of w.values) if (v < -WEIGHT_QMAX) fail('E_QUANT_WEIGHT', node, `weight ${mainName} holds ${v}; expected values in [-127, 127]`);
    if (!node.weights.bias) continue;
    const b = weights[node.weights.bias];
    if (!b || !(b.values instanceof Int32Array)) fail('E_QUANT_BIAS', node, `bias ${node.weights.bias} is not quantised to int32`);
    if (b.scales.length !== w.scales.length) fail('E_QUANT_BIAS_SCALE', node, `bias ${node.weights.bias} has ${b.scales.length} scales but the weight has ${w.scales.length}`);
    const sIn = activations[node.inputs[0]].scale;
    w.scales.forEach((sw, c) => {
      const expected = sIn * sw;
      if (!(Math.abs(b.scales[c] - expected) <= BIAS_SCALE_TOLERANCE * expected)) {
        fail('E_QUANT_BIAS_SCALE', node, `bias ${node.weights.bias} channel ${c} has scale ${b.scales[c]}; expected s_in * s_w = ${sIn} * ${sw} = ${expected}`);
      }
    });
  }
}

/** Quantises a folded + fused graph with calibrated ranges; the result passes `checkQuantizedGraph`. */
export function quantizeGraph(graph: ModelGraph, ranges: TensorRanges): QuantizedGraph {
  assertQuantizable(graph);
  const activations = activationQuant(graph, ranges);
  const weights = quantizeWeights(graph, activations);
  const q: QuantizedGraph = { graph, activations, weights };
  checkQuantizedGraph(q);
  return q;
}
