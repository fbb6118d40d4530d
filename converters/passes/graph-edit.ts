/** Small pure helpers the graph passes share: use counts, unique weight names, dropping unused weights. */
import type { ModelGraph } from '../../src/ir/types.ts';

/** How many times each tensor is read: node inputs plus exits (an exit counts as a reader). */
export function useCounts(graph: ModelGraph): Map<string, number> {
  const uses = new Map<string, number>();
  const bump = (t: string) => uses.set(t, (uses.get(t) ?? 0) + 1);
  for (const node of graph.nodes) node.inputs.forEach(bump);
  for (const exit of graph.exits) bump(exit.tensor);
  return uses;
}

/** `base`, or `base#2`, `base#3`, ... — the first name not yet in `taken`. */
export function freshName(base: string, taken: Record<string, unknown>): string {
  if (!(base in taken)) return base;
  let i = 2;
  while (`${base}#${i}` in taken) i++;
  return `${base}#${i}`;
}

/** The graph without weights no node references (by role, or as a mixedOp's alpha). */
export function dropUnusedWeights(graph: ModelGraph): ModelGraph {
  const used = new Set<string>();
  for (const node of graph.nodes) {
    for (const name of Object.values(node.weights)) if (typeof name === 'string') used.add(name);
    if (node.op === 'mixedOp') used.add(node.attrs.alpha);
  }
  const weights = Object.fromEntries(Object.entries(graph.weights).filter(([name]) => used.has(name)));
  return { ...graph, weights };
}
