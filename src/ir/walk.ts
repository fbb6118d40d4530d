/**
 * Evaluating an IR graph in node order over any value type (engine tensors, TensorFlow graph outputs): one
 * place that resolves each node's inputs and the exits, with the errors for a graph that reads a value
 * before it is defined.
 */
import { RanasError } from '../errors.ts';
import type { IrNode, ModelGraph } from './types.ts';

/** Runs `step` on every node in order with its inputs' values (the image input is `input`); returns every value and the exits'. */
export function walkGraph<T>(graph: ModelGraph, input: T, step: (node: IrNode, inputs: T[]) => T): { values: Map<string, T>; exits: T[] } {
  const [image] = graph.inputs;
  const values = new Map<string, T>([[image.name, input]]);
  for (const node of graph.nodes) {
    const ins = node.inputs.map((n) => {
      const t = values.get(n);
      if (t === undefined) throw new RanasError('E_IR_ORDER', `node ${node.name} reads ${n}, which is not defined before it`, { node: node.name });
      return t;
    });
    values.set(node.name, step(node, ins));
  }
  const exits = graph.exits.map((e) => {
    const t = values.get(e.tensor);
    if (t === undefined) throw new RanasError('E_IR_EXIT', `exit ${e.index} names tensor ${e.tensor}, which no node produces`);
    return t;
  });
  return { values, exits };
}
