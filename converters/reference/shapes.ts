/**
 * Shapes for the plain-TS executors (batch left out: [H, W, C] or [C]): the IR's own shape rules
 * (`src/ir/infer-shape.ts`, one entry per op type, so a new op cannot be forgotten here), with errors
 * re-raised as E_CONVERT_SHAPE naming the node. Padding geometry is `src/ir/padding.ts`.
 */
import { RanasError } from '../../src/errors.ts';
import { ShapeRuleError, inferNodeShape } from '../../src/ir/infer-shape.ts';
import type { IrNode, ModelGraph } from '../../src/ir/types.ts';

function fail(node: IrNode, message: string): never {
  throw new RanasError('E_CONVERT_SHAPE', `node ${node.name} (${node.op}): ${message}`, { node: node.name, op: node.op });
}

/** Output shape of one node from its input shapes. */
export function nodeShape(node: IrNode, inputs: number[][]): number[] {
  try {
    return inferNodeShape(node, inputs);
  } catch (e) {
    if (e instanceof ShapeRuleError) fail(node, e.message);
    throw e;
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
    shapes.set(node.name, nodeShape(node, ins));
  }
  return shapes;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
