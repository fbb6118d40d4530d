/**
 * Keeps a subset of a graph's exits and drops every node (and weight) no kept exit depends on — how
 * `--single-exit` trains only the last classifier of any preset. Exit indices are renumbered 0..k-1;
 * cumulative MACs stay valid (a kept exit's ancestors are unchanged).
 */
import { RanasError } from '../errors.ts';
import { ancestors } from '../ir/analysis.ts';
import type { ModelGraph, WeightTensor } from '../ir/types.ts';

/** The graph restricted to exits at `keep` (indices into `graph.exits`). */
export function keepExits(graph: ModelGraph, keep: number[]): ModelGraph {
  if (keep.length === 0 || keep.some((k) => !Number.isInteger(k) || k < 0 || k >= graph.exits.length)) {
    throw new RanasError('E_TRAIN_EXITS', `cannot keep exits [${keep.join(', ')}]: graph ${graph.name} has exits 0..${graph.exits.length - 1}`);
  }
  const exits = keep.map((k, i) => ({ ...graph.exits[k], index: i }));
  const live = new Set<string>();
  for (const e of exits) for (const t of ancestors(graph, e.tensor)) live.add(t);
  const nodes = graph.nodes.filter((n) => live.has(n.name));
  const used = new Set<string>();
  for (const n of nodes) {
    const roles: Record<string, string | undefined> = n.weights;
    for (const w of Object.values(roles)) if (w !== undefined) used.add(w);
    if (n.op === 'mixedOp') used.add(n.attrs.alpha);
  }
  const weights: Record<string, WeightTensor> = {};
  for (const [name, w] of Object.entries(graph.weights)) if (used.has(name)) weights[name] = w;
  return { ...graph, nodes, exits, weights, meta: { ...graph.meta, keptExits: keep } };
}
