/**
 * The scheduling shared by the fp32 and int8 reference executors: from fed tensors (graph inputs, or a
 * segment's inputs) compute exactly the nodes the wanted tensors need, in graph order.
 */
import { RanasError } from '../../src/errors.ts';
import type { IrNode, ModelGraph } from '../../src/ir/types.ts';

/** Names of the nodes needed to compute `wanted` from `fed`, in graph (topological) order. */
export function neededNodes(graph: ModelGraph, fed: ReadonlySet<string>, wanted: readonly string[]): IrNode[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const needed = new Set<string>();
  const stack = [...wanted];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (fed.has(name) || needed.has(name)) continue;
    const node = byName.get(name);
    if (!node) {
      throw new RanasError('E_CONVERT_TENSOR', `tensor ${name} is neither fed (${[...fed].join(', ') || 'nothing'}) nor computed by a node of graph ${graph.name}`, { tensor: name });
    }
    needed.add(name);
    stack.push(...node.inputs);
  }
  return graph.nodes.filter((n) => needed.has(n.name));
}

/**
 * Runs `step` over the needed nodes; returns the wanted tensors (every computed tensor when `keepAll`).
 */
export function runGraph<V>(
  graph: ModelGraph,
  feeds: ReadonlyMap<string, V>,
  wanted: readonly string[],
  step: (node: IrNode, inputs: V[]) => V,
  keepAll = false,
): Map<string, V> {
  const values = new Map(feeds);
  for (const node of neededNodes(graph, new Set(feeds.keys()), wanted)) {
    values.set(node.name, step(node, node.inputs.map((name) => values.get(name) as V)));
  }
  if (keepAll) return values;
  return new Map(wanted.map((name) => [name, values.get(name) as V]));
}
