/**
 * Costs of an IR graph: parameters and multiply-accumulates per node, per exit (cumulative, marginal,
 * anytime), and peak activation memory for batch 1.
 *
 * Conventions (per image, batch 1):
 * - `macs`: multiply-accumulates of conv2d (kh·kw·cin·cout·hout·wout), depthwiseConv2d (kh·kw·c·hout·wout)
 *   and dense (cin·cout) only. Pools, batch-norm, ReLU, add and concat count 0. A depthwise conv whose filter
 *   is NOT trainable is a fixed data-movement filter (the one-hot "shift" of factorized reduce, standing in
 *   for DARTS's `x[:, :, 1:, 1:]` slice) and counts 0. This is the convention of DARTS/NASNet "multiply-adds".
 * - `msdnetOps`: the MSDNet reference counter (kalviny/MSDNet-PyTorch `op_counter.py`), for comparison with
 *   MSDNet's published figures: conv MACs + dense weights + dense bias + one op per ReLU output element
 *   (also for a fused ReLU) + avgPool kh·kw·c·hout·wout + globalAvgPool h·w·c; batch-norm, max-pool, add and
 *   concat count 0.
 * - `params`: elements of trainable weights (batch-norm running statistics and frozen filters excluded),
 *   each weight counted once even when shared.
 * - Exit k: `cumulativeMacs` = MACs of the union of the exit tensor's ancestors (a shared trunk counted once);
 *   `anytimeMacs` = MACs of the union of the ancestors of exits 0..k (what an anytime run that evaluates every
 *   exit on its way has spent; MSDNet reports this); `marginalMacs` = anytimeMacs(k) − anytimeMacs(k−1).
 * - Peak activation bytes: float32 tensors, nodes run in graph order, a tensor is live from the node that
 *   produces it to its last consumer (graph inputs from the start, exit tensors to the end); the peak is the
 *   largest sum of live tensors while any node runs (its inputs and output live together).
 */
import { byOp, type OpTable } from './op-table.ts';
import type { IrNode, ModelGraph } from './types.ts';
import { shapeSize, validateGraph } from './validate.ts';

/** Bytes per activation element (float32). */
const ACTIVATION_BYTES = 4;

/** Costs of one node. */
export interface NodeCost {
  name: string;
  op: IrNode['op'];
  /** Trainable parameters first used by this node. */
  params: number;
  macs: number;
  msdnetOps: number;
  outputShape: number[];
  outputBytes: number;
}

/** Costs of one exit. */
export interface ExitCost {
  index: number;
  tensor: string;
  layer: number;
  cumulativeMacs: number;
  marginalMacs: number;
  anytimeMacs: number;
  cumulativeMsdnetOps: number;
  anytimeMsdnetOps: number;
  /** Trainable parameters needed to compute this exit (ancestors only). */
  params: number;
  /** Trainable parameters of exits 0..k together (MSDNet's per-classifier count). */
  anytimeParams: number;
  /** Peak activation bytes (batch 1) running only this exit's ancestors. */
  peakActivationBytes: number;
}

/** Costs of a whole graph. */
export interface GraphCost {
  nodes: NodeCost[];
  exits: ExitCost[];
  totalParams: number;
  totalMacs: number;
  totalMsdnetOps: number;
  /** Bytes of all weights as float32 (trainable and buffers). */
  weightBytes: number;
  peakActivationBytes: number;
}

const noCost = (): number => 0;

/** Multiply-accumulates of each op per image (element-wise ops, pooling and concat count none). */
const MACS: OpTable<number, [graph: ModelGraph, inputs: number[][], out: number[]]> = {
  conv2d: (node, _graph, inputs, out) => node.attrs.kernel[0] * node.attrs.kernel[1] * inputs[0][2] * out[0] * out[1] * out[2],
  depthwiseConv2d: (node, graph, _inputs, out) => {
    const filter = node.weights.filter === undefined ? undefined : graph.weights[node.weights.filter];
    if (filter && !filter.trainable) return 0;
    return node.attrs.kernel[0] * node.attrs.kernel[1] * out[0] * out[1] * out[2];
  },
  dense: (_node, _graph, inputs, out) => inputs[0][0] * out[0],
  // Element-wise ops, pooling, concat and the search-only mixture count no multiply-accumulates.
  batchNorm: noCost, relu: noCost, add: noCost, concat: noCost, maxPool: noCost, avgPool: noCost, globalAvgPool: noCost, mixedOp: noCost,
};

function nodeMacs(graph: ModelGraph, node: IrNode, inputs: number[][], out: number[]): number {
  return byOp(MACS, node, graph, inputs, out);
}

const reluElements = (active: boolean, out: number[]) => (active ? shapeSize(out) : 0);

/** MSDNet's operation count of each op: MACs plus the element-wise work MSDNet counts (relu, bias, pooling). */
const MSDNET_OPS: OpTable<number, [macs: number, inputs: number[][], out: number[]]> = {
  conv2d: (node, macs, _inputs, out) => macs + reluElements(node.attrs.activation === 'relu', out),
  depthwiseConv2d: (node, macs, _inputs, out) => macs + reluElements(node.attrs.activation === 'relu', out),
  dense: (node, macs, _inputs, out) => macs + out[0] + reluElements(node.attrs.activation === 'relu', out),
  relu: (_node, _macs, _inputs, out) => shapeSize(out),
  add: (node, _macs, _inputs, out) => reluElements(node.attrs.activation === 'relu', out),
  avgPool: (node, _macs, _inputs, out) => node.attrs.kernel[0] * node.attrs.kernel[1] * shapeSize(out),
  globalAvgPool: (_node, _macs, inputs) => shapeSize(inputs[0]),
  // Not counted by this measure: batch norm, concat, max pooling and the search-only mixture.
  batchNorm: noCost, concat: noCost, maxPool: noCost, mixedOp: noCost,
};

function nodeMsdnetOps(node: IrNode, macs: number, inputs: number[][], out: number[]): number {
  return byOp(MSDNET_OPS, node, macs, inputs, out);
}

/** Names of every tensor `tensor` depends on, itself included. */
export function ancestors(graph: ModelGraph, tensor: string): Set<string> {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const seen = new Set<string>();
  const stack = [tensor];
  while (stack.length) {
    const t = stack.pop();
    if (t === undefined || seen.has(t)) continue;
    seen.add(t);
    const node = byName.get(t);
    if (node) stack.push(...node.inputs);
  }
  return seen;
}

/**
 * Peak live activation bytes (batch 1) running the nodes of `graph` that are in `keep` (all when omitted), in
 * graph order; `outputs` stay live to the end.
 */
export function peakActivationBytes(graph: ModelGraph, shapes: Map<string, number[]>, keep?: Set<string>, outputs: string[] = []): number {
  const nodes = graph.nodes.filter((n) => !keep || keep.has(n.name));
  const lastUse = new Map<string, number>();
  nodes.forEach((n, i) => n.inputs.forEach((t) => lastUse.set(t, i)));
  for (const t of outputs) lastUse.set(t, nodes.length);
  const bytes = (t: string) => shapeSize(shapes.get(t) ?? []) * ACTIVATION_BYTES;
  let live = 0;
  const liveSet = new Set<string>();
  for (const input of graph.inputs) {
    if (!keep || keep.has(input.name)) {
      liveSet.add(input.name);
      live += bytes(input.name);
    }
  }
  let peak = live;
  nodes.forEach((n, i) => {
    liveSet.add(n.name);
    live += bytes(n.name);
    peak = Math.max(peak, live);
    for (const t of [...n.inputs, n.name]) {
      if (liveSet.has(t) && (lastUse.get(t) ?? -1) <= i) {
        liveSet.delete(t);
        live -= bytes(t);
      }
    }
  });
  return peak;
}

/** Computes every cost of `graph` (validating it first). */
export function analyzeGraph(graph: ModelGraph): GraphCost {
  const shapes = validateGraph(graph);
  const counted = new Set<string>();
  const trainableSize = (name: string | undefined) => {
    if (name === undefined || counted.has(name)) return 0;
    const w = graph.weights[name];
    if (!w || !w.trainable) return 0;
    counted.add(name);
    return shapeSize(w.shape);
  };
  const nodes: NodeCost[] = graph.nodes.map((node) => {
    const inputs = node.inputs.map((t) => shapes.get(t) ?? []);
    const out = shapes.get(node.name) ?? [];
    const macs = nodeMacs(graph, node, inputs, out);
    const roles: Record<string, string | undefined> = node.weights;
    const params = Object.values(roles).reduce((sum: number, w) => sum + trainableSize(w), 0);
    return { name: node.name, op: node.op, params, macs, msdnetOps: nodeMsdnetOps(node, macs, inputs, out), outputShape: out, outputBytes: shapeSize(out) * ACTIVATION_BYTES };
  });
  const costOf = new Map(nodes.map((c) => [c.name, c]));
  const sum = (set: Set<string>, f: (c: NodeCost) => number) =>
    [...set].reduce((s, t) => {
      const c = costOf.get(t);
      return c ? s + f(c) : s;
    }, 0);
  const paramsOf = (set: Set<string>) => {
    const names = new Set<string>();
    for (const node of graph.nodes) {
      if (!set.has(node.name)) continue;
      const roles: Record<string, string | undefined> = node.weights;
      for (const w of Object.values(roles)) if (w !== undefined && graph.weights[w]?.trainable) names.add(w);
    }
    return [...names].reduce((s, w) => s + shapeSize(graph.weights[w].shape), 0);
  };
  const union = new Set<string>();
  let previousAnytime = 0;
  const exits: ExitCost[] = graph.exits.map((exit) => {
    const anc = ancestors(graph, exit.tensor);
    for (const t of anc) union.add(t);
    const anytimeMacs = sum(union, (c) => c.macs);
    const cost: ExitCost = {
      index: exit.index,
      tensor: exit.tensor,
      layer: exit.layer,
      cumulativeMacs: sum(anc, (c) => c.macs),
      marginalMacs: anytimeMacs - previousAnytime,
      anytimeMacs,
      cumulativeMsdnetOps: sum(anc, (c) => c.msdnetOps),
      anytimeMsdnetOps: sum(union, (c) => c.msdnetOps),
      params: paramsOf(anc),
      anytimeParams: paramsOf(union),
      peakActivationBytes: peakActivationBytes(graph, shapes, anc, [exit.tensor]),
    };
    previousAnytime = anytimeMacs;
    return cost;
  });
  return {
    nodes,
    exits,
    totalParams: nodes.reduce((s, c) => s + c.params, 0),
    totalMacs: nodes.reduce((s, c) => s + c.macs, 0),
    totalMsdnetOps: nodes.reduce((s, c) => s + c.msdnetOps, 0),
    weightBytes: Object.values(graph.weights).reduce((s, w) => s + w.data.length * 4, 0),
    peakActivationBytes: peakActivationBytes(graph, shapes, undefined, graph.exits.map((e) => e.tensor)),
  };
}

/** A copy of `graph` whose exits carry their `cumulativeMacs` (ancestors of the exit tensor). */
export function withExitMacs(graph: ModelGraph): ModelGraph {
  const cost = analyzeGraph(graph);
  return { ...graph, exits: graph.exits.map((e, i) => ({ ...e, cumulativeMacs: cost.exits[i].cumulativeMacs })) };
}
