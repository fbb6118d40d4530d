/**
 * Shapes and TF padding geometry for the plain-TS executors (batch left out: [H, W, C] or [C]).
 * TensorFlow `same`: out = ceil(in / stride), total padding = max((out - 1) * stride + effectiveKernel - in, 0),
 * the smaller half before (top/left) and the extra cell after — the same split TFLite uses.
 */
import { RanasError } from '../../src/errors.ts';
import type { IrNode, ModelGraph, Padding } from '../../src/ir/types.ts';

/** Output length and padding before the first cell of one spatial axis. */
export interface AxisGeometry {
  out: number;
  padBefore: number;
}

/** One spatial axis under TF padding semantics. */
export function axisGeometry(inLength: number, kernel: number, stride: number, dilation: number, padding: Padding): AxisGeometry {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((inLength - effective) / stride) + 1, padBefore: 0 };
  const out = Math.ceil(inLength / stride);
  const total = Math.max((out - 1) * stride + effective - inLength, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

function fail(node: IrNode, message: string): never {
  throw new RanasError('E_CONVERT_SHAPE', `node ${node.name} (${node.op}): ${message}`, { node: node.name, op: node.op });
}

function filterCount(graph: ModelGraph, node: IrNode): number {
  if (node.op === 'conv2d') return node.attrs.filters;
  if (node.op === 'dense') return node.attrs.units;
  return fail(node, 'has no filter count');
}

/** Output shape of one node from its input shapes. */
export function nodeShape(graph: ModelGraph, node: IrNode, inputs: number[][]): number[] {
  const first = inputs[0];
  switch (node.op) {
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'maxPool':
    case 'avgPool': {
      if (first.length !== 3) fail(node, `expects an [H, W, C] input, found [${first.join(', ')}]`);
      const dilation = node.op === 'conv2d' || node.op === 'depthwiseConv2d' ? node.attrs.dilation : [1, 1];
      const h = axisGeometry(first[0], node.attrs.kernel[0], node.attrs.strides[0], dilation[0], node.attrs.padding);
      const w = axisGeometry(first[1], node.attrs.kernel[1], node.attrs.strides[1], dilation[1], node.attrs.padding);
      return [h.out, w.out, node.op === 'conv2d' ? filterCount(graph, node) : first[2]];
    }
    case 'concat':
      return [...first.slice(0, -1), inputs.reduce((s, x) => s + x[x.length - 1], 0)];
    case 'globalAvgPool':
      return [first[2]];
    case 'dense':
      return [filterCount(graph, node)];
    default:
      return [...first];
  }
}

/** Shapes of every graph input and node output. */
export function inferShapes(graph: ModelGraph): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const input of graph.inputs) shapes.set(input.name, [...input.shape]);
  for (const node of graph.nodes) {
    const ins = node.inputs.map((name) => {
      const s = shapes.get(name);
      if (!s) fail(node, `input ${name} is not defined before it`);
      return s;
    });
    shapes.set(node.name, nodeShape(graph, node, ins));
  }
  return shapes;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
