/**
 * Validation of a whole `ModelGraph` with shape inference: graph inputs well formed, node names unique,
 * every input defined before use (the node list is a topological order), attributes consistent with the
 * input shapes, every required weight present with the expected shape and data length, no unknown weight
 * roles, exits pointing at [numClasses] vectors. Errors are `RanasError('E_IR_INVALID')` naming the node,
 * its op and what was expected.
 */
import { RanasError } from '../errors.ts';
import { ShapeRuleError, expectedWeights, inferNodeShape } from './infer-shape.ts';
import type { IrNode, ModelGraph, OpType } from './types.ts';

/** Every op type, for checks on data read from disk. */
export const OP_TYPES: readonly OpType[] = [
  'conv2d', 'depthwiseConv2d', 'batchNorm', 'relu', 'add', 'concat', 'maxPool', 'avgPool', 'globalAvgPool', 'dense', 'mixedOp',
];

function invalid(message: string, details: Record<string, unknown> = {}): RanasError {
  return new RanasError('E_IR_INVALID', message, details);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Validates `graph` and returns the inferred shape of every tensor (graph inputs and node outputs).
 * Throws RanasError `E_IR_INVALID` on the first problem, naming the node and op.
 */
export function validateGraph(graph: ModelGraph): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  if (graph.inputs.length === 0) throw invalid(`graph ${graph.name} has no inputs; expected at least one`);
  for (const input of graph.inputs) {
    if (!input.shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw invalid(`graph input ${input.name} has shape ${fmt(input.shape)}; expected positive integer dimensions`, { tensor: input.name });
    }
    if (shapes.has(input.name)) throw invalid(`graph input ${input.name} is declared twice`, { tensor: input.name });
    shapes.set(input.name, [...input.shape]);
  }
  for (const node of graph.nodes) {
    const where = `node ${node.name} (${node.op})`;
    if (shapes.has(node.name)) throw invalid(`${where}: name already used by an earlier node or input; node names must be unique`, { node: node.name });
    if (!OP_TYPES.includes(node.op)) throw invalid(`${where}: unknown op; expected one of ${OP_TYPES.join(', ')}`, { node: node.name });
    const inputShapes = node.inputs.map((name, i) => {
      const s = shapes.get(name);
      if (!s) {
        throw invalid(`${where}: input ${i} '${name}' is not defined before use; expected a graph input or an earlier node`, { node: node.name, input: name });
      }
      return s;
    });
    let out: number[];
    let wanted: Record<string, { shape: number[]; required: boolean }>;
    try {
      out = inferNodeShape(node, inputShapes);
      wanted = expectedWeights(node, inputShapes);
    } catch (e) {
      if (e instanceof ShapeRuleError) {
        throw invalid(`${where}: ${e.message} (input shapes ${inputShapes.map(fmt).join(', ')})`, { node: node.name, op: node.op });
      }
      throw e;
    }
    checkWeights(graph, node, wanted, where);
    shapes.set(node.name, out);
  }
  checkExits(graph, shapes);
  checkMixedOpAlphas(graph);
  return shapes;
}

function checkWeights(graph: ModelGraph, node: IrNode, wanted: Record<string, { shape: number[]; required: boolean }>, where: string): void {
  const roles: Record<string, string | undefined> = node.weights;
  for (const role of Object.keys(roles)) {
    if (!(role in wanted)) {
      throw invalid(`${where}: unknown weight role '${role}'; expected one of ${Object.keys(wanted).join(', ') || '(none)'}`, { node: node.name, role });
    }
  }
  for (const [role, rule] of Object.entries(wanted)) {
    const name = roles[role];
    if (name === undefined) {
      if (rule.required) throw invalid(`${where}: missing weight '${role}' of shape ${fmt(rule.shape)}`, { node: node.name, role });
      continue;
    }
    const w = graph.weights[name];
    if (!w) throw invalid(`${where}: weight '${role}' names '${name}', which is not in graph.weights`, { node: node.name, weight: name });
    if (fmt(w.shape) !== fmt(rule.shape)) {
      throw invalid(`${where}: weight '${role}' ('${name}') has shape ${fmt(w.shape)}; expected ${fmt(rule.shape)}`, { node: node.name, weight: name });
    }
    if (w.data.length !== shapeSize(w.shape)) {
      throw invalid(`${where}: weight '${name}' holds ${w.data.length} values; its shape ${fmt(w.shape)} needs ${shapeSize(w.shape)}`, { node: node.name, weight: name });
    }
  }
}

function checkExits(graph: ModelGraph, shapes: Map<string, number[]>): void {
  graph.exits.forEach((exit, i) => {
    if (exit.index !== i) throw invalid(`exit ${i} has index ${exit.index}; expected exits listed in index order 0, 1, ...`, { exit: i });
    const s = shapes.get(exit.tensor);
    if (!s) throw invalid(`exit ${i} reads tensor '${exit.tensor}', which no node produces`, { exit: i, tensor: exit.tensor });
    if (s.length !== 1) throw invalid(`exit ${i} tensor '${exit.tensor}' has shape ${fmt(s)}; expected a logits vector [numClasses]`, { exit: i });
    if (!(exit.cumulativeMacs >= 0)) throw invalid(`exit ${i} cumulativeMacs is ${exit.cumulativeMacs}; expected a non-negative number`, { exit: i });
  });
}

function checkMixedOpAlphas(graph: ModelGraph): void {
  for (const node of graph.nodes) {
    if (node.op !== 'mixedOp') continue;
    const alpha = graph.weights[node.attrs.alpha];
    const where = `node ${node.name} (mixedOp)`;
    if (!alpha) throw invalid(`${where}: alpha '${node.attrs.alpha}' is not in graph.weights`, { node: node.name });
    const [rows, k] = alpha.shape;
    if (alpha.shape.length !== 2 || node.attrs.row >= rows || k !== node.attrs.primitives.length) {
      throw invalid(
        `${where}: alpha '${node.attrs.alpha}' has shape ${fmt(alpha.shape)}; expected [rows > ${node.attrs.row}, ${node.attrs.primitives.length}]`,
        { node: node.name },
      );
    }
  }
}
