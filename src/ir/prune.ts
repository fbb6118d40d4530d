/**
 * Dead-node removal: keeps only the nodes some exit depends on, and only the weights those nodes (or a kept
 * mixed op's alpha) reference. In the multi-scale grid the finer scales of the last layers feed no exit
 * (exits read the coarsest scale), so builders prune them — the same effect as MSDNet dropping scales.
 */
import { ancestors } from './analysis.ts';
import type { ModelGraph, WeightTensor } from './types.ts';

/** A copy of `graph` without nodes that no exit reads (directly or indirectly) and without unused weights. */
export function pruneToExits(graph: ModelGraph): ModelGraph {
  const live = new Set<string>();
  for (const exit of graph.exits) for (const t of ancestors(graph, exit.tensor)) live.add(t);
  const nodes = graph.nodes.filter((n) => live.has(n.name));
  const used = new Set<string>();
  for (const n of nodes) {
    const roles: Record<string, string | undefined> = n.weights;
    for (const w of Object.values(roles)) if (w !== undefined) used.add(w);
    if (n.op === 'mixedOp') used.add(n.attrs.alpha);
  }
  const weights: Record<string, WeightTensor> = {};
  for (const [name, w] of Object.entries(graph.weights)) if (used.has(name)) weights[name] = w;
  return { ...graph, nodes, weights };
}
