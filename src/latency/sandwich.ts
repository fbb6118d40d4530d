/**
 * Op models measured in context. A runtime treats an op alone differently from the same op inside a
 * segment: onnxruntime runs int8 convs as NHWC QLinearConv and puts a Transpose at every model boundary, and
 * leaves a lone MaxPool as float between DequantizeLinear/QuantizeLinear where, between integer convs, it
 * runs on int8 NHWC data. So an op model is a *sandwich*: every input of the fragment comes through a probe
 * (an identity 1×1 depthwise conv, cheap and handled by every runtime like a conv), and every feature-map
 * output leaves through one. The probes' own cost is measured by the probe models (`probe1|S`: one probe on
 * a tensor of shape S; `probe2|S`: two in a row), and the predictor takes it out again (`predict-segments.ts`).
 */
import type { IrNode, ModelGraph, WeightTensor } from '../ir/types.ts';
import { validateGraph } from '../ir/validate.ts';
import { quantizeGraph } from '../../converters/quantize/quantize.ts';
import type { TensorRanges } from '../../converters/quantize/calibrate.ts';
import type { QuantizedGraph } from '../../converters/quant-types.ts';

/** A standalone graph ready for a writer: the part to write, its shapes and quantisation. */
export interface StandaloneModel {
  graph: ModelGraph;
  shapes: Map<string, number[]>;
  quant: QuantizedGraph;
  inputs: string[];
  outputs: string[];
}

/** An identity 1×1 depthwise conv `name` reading `input` of `channels`, and its weights. */
export function probeNode(name: string, input: string, channels: number): { node: IrNode; weights: Record<string, WeightTensor> } {
  return {
    node: {
      name,
      op: 'depthwiseConv2d',
      inputs: [input],
      attrs: { kernel: [1, 1], strides: [1, 1], dilation: [1, 1], padding: 'same', activation: 'none' },
      weights: { filter: `${name}/filter`, bias: `${name}/bias` },
    },
    weights: {
      [`${name}/filter`]: { shape: [1, 1, channels, 1], data: new Float32Array(channels).fill(1), trainable: false },
      [`${name}/bias`]: { shape: [channels], data: new Float32Array(channels), trainable: false },
    },
  };
}

/** Feature maps get probes; vectors (logits) have no layout to convert and leave as they are. */
const isFeatureMap = (shape: readonly number[]) => shape.length === 3;

/** Range of a quantised tensor (what calibration would have found). */
function rangeOf(q: { scale: number; zeroPoint: number }): { min: number; max: number } {
  return { min: q.scale * (-128 - q.zeroPoint), max: q.scale * (127 - q.zeroPoint) };
}

/**
 * The sandwich of `nodes` (a fragment of `source`, prepared and quantised): probe → fragment → probe,
 * quantised with the source's ranges so the fragment's own tensors keep their parameters.
 */
export function sandwichModel(source: { prepared: ModelGraph; shapes: Map<string, number[]>; quant: QuantizedGraph }, part: { nodes: string[]; inputs: string[]; outputs: string[] }, name: string): StandaloneModel {
  const byName = new Map(source.prepared.nodes.map((n) => [n.name, n]));
  const nodes: IrNode[] = [];
  const weights: Record<string, WeightTensor> = {};
  const inputs: { name: string; shape: number[] }[] = [];
  const ranges: TensorRanges = {};
  for (const [t, q] of Object.entries(source.quant.activations)) ranges[t] = rangeOf(q);
  const shapeOf = (t: string): number[] => source.shapes.get(t) ?? [];
  for (const t of part.inputs) {
    const shape = shapeOf(t);
    if (!isFeatureMap(shape)) {
      inputs.push({ name: t, shape });
      continue;
    }
    const outer = `${t}~in`;
    inputs.push({ name: outer, shape });
    ranges[outer] = ranges[t];
    const p = probeNode(t, outer, shape[2]);
    nodes.push(p.node);
    Object.assign(weights, p.weights);
  }
  for (const n of part.nodes) {
    const node = byName.get(n);
    if (node === undefined) continue;
    nodes.push(node);
    for (const w of Object.values(node.weights)) if (typeof w === 'string') weights[w] = source.prepared.weights[w];
  }
  const outputs = part.outputs.map((t) => {
    const shape = shapeOf(t);
    if (!isFeatureMap(shape)) return t;
    const outer = `${t}~out`;
    ranges[outer] = ranges[t];
    const p = probeNode(outer, t, shape[2]);
    nodes.push(p.node);
    Object.assign(weights, p.weights);
    return outer;
  });
  const graph: ModelGraph = { formatVersion: 1, name, inputs, nodes, exits: [], weights, meta: {} };
  const shapes = validateGraph(graph);
  return { graph, shapes, quant: quantizeGraph(graph, ranges), inputs: inputs.map((i) => i.name), outputs };
}

/** `count` probes in a row on a tensor of `shape` (count 0: the bare call, one 1×1 max-pool). */
export function probeModel(shape: readonly number[], count: number, name: string): StandaloneModel {
  const x = 'x';
  const nodes: IrNode[] = [];
  const weights: Record<string, WeightTensor> = {};
  let t = x;
  for (let i = 0; i < count; i++) {
    const p = probeNode(`probe${i}`, t, shape[2]);
    nodes.push(p.node);
    Object.assign(weights, p.weights);
    t = p.node.name;
  }
  if (count === 0) {
    nodes.push({ name: 'pool', op: 'maxPool', inputs: [x], attrs: { kernel: [1, 1], strides: [1, 1], padding: 'valid' }, weights: {} });
    t = 'pool';
  }
  const graph: ModelGraph = { formatVersion: 1, name, inputs: [{ name: x, shape: [...shape] }], nodes, exits: [], weights, meta: {} };
  const shapes = validateGraph(graph);
  const ranges: TensorRanges = Object.fromEntries([x, ...nodes.map((n) => n.name)].map((n) => [n, { min: -4, max: 4 }]));
  return { graph, shapes, quant: quantizeGraph(graph, ranges), inputs: [x], outputs: [t] };
}
