/**
 * Plain-TS fp32 executor of the IR (batch 1): the numeric reference the converters are checked against
 * (batch-norm folding, calibration, segment chaining). float64 accumulation, float32 tensors, TF `same`
 * padding, batch-norm in eval mode.
 */
import { RanasError } from '../../src/errors.ts';
import type { IrNode, IrNodeOf, ModelGraph, OpType } from '../../src/ir/types.ts';
import { FLOAT_KERNELS, type FloatKernelArgs } from './float-kernels.ts';
import { runGraph } from './run-graph.ts';
import { inferShapes, sizeOf } from './shapes.ts';

function runFloatNode<T extends OpType>(node: IrNodeOf<T>, args: FloatKernelArgs): Float32Array {
  const kernel: (n: IrNodeOf<T>, a: FloatKernelArgs) => Float32Array = FLOAT_KERNELS[node.op];
  return kernel(node, args);
}

function checkFeed(name: string, data: Float32Array | Int8Array, shape: number[] | undefined): void {
  if (!shape) throw new RanasError('E_CONVERT_TENSOR', `fed tensor ${name} is not a tensor of the graph`, { tensor: name });
  if (data.length !== sizeOf(shape)) {
    throw new RanasError('E_CONVERT_INPUT', `tensor ${name} has shape [${shape.join(', ')}] (${sizeOf(shape)} values) but ${data.length} values were given`, { tensor: name });
  }
}

/**
 * Runs the graph from any fed tensors (graph inputs or a segment's inputs, each a batch-1 NHWC array) and
 * returns the wanted tensors (every computed tensor when `keepAll`).
 */
export function referenceForwardFeeds(
  graph: ModelGraph, feeds: ReadonlyMap<string, Float32Array>, wanted: readonly string[], keepAll = false,
): Map<string, Float32Array> {
  const shapes = inferShapes(graph);
  for (const [name, data] of feeds) checkFeed(name, data, shapes.get(name));
  const weight = (name: string | undefined, node: string): Float32Array => {
    const w = name === undefined ? undefined : graph.weights[name];
    if (!w) throw new RanasError('E_CONVERT_WEIGHT', `node ${node} needs weight ${name ?? '(unnamed)'}, which the graph does not hold`, { node, weight: name });
    return w.data;
  };
  const step = (node: IrNode, inputs: Float32Array[]): Float32Array => runFloatNode(node, {
    inputs,
    inShapes: node.inputs.map((n) => shapes.get(n) as number[]),
    outShape: shapes.get(node.name) as number[],
    weight,
    graph,
  });
  return runGraph(graph, feeds, wanted, step, keepAll);
}

/** Runs the graph on one input image (1×H×W×C, NHWC) and returns the wanted tensors by name. */
export function referenceForward(graph: ModelGraph, input: Float32Array, wanted: string[]): Map<string, Float32Array> {
  if (graph.inputs.length !== 1) {
    throw new RanasError('E_CONVERT_INPUT', `referenceForward takes one input but graph ${graph.name} has ${graph.inputs.length}; use referenceForwardFeeds`, {});
  }
  return referenceForwardFeeds(graph, new Map([[graph.inputs[0].name, input]]), wanted);
}
