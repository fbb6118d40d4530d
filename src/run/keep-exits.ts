/**
 * Keeps a subset of a graph's exits and drops every node (and weight) no kept exit depends on — how
 * `--single-exit` trains only the last classifier of any preset. Exit indices are renumbered 0..k-1;
 * cumulative MACs stay valid (a kept exit's ancestors are unchanged).
 */
import { RanasError } from '../errors.ts';
import { pruneToExits } from '../ir/prune.ts';
import type { ModelGraph } from '../ir/types.ts';

/** The graph restricted to exits at `keep` (indices into `graph.exits`). */
export function keepExits(graph: ModelGraph, keep: number[]): ModelGraph {
  if (keep.length === 0 || keep.some((k) => !Number.isInteger(k) || k < 0 || k >= graph.exits.length)) {
    throw new RanasError('E_TRAIN_EXITS', `cannot keep exits [${keep.join(', ')}]: graph ${graph.name} has exits 0..${graph.exits.length - 1}`);
  }
  const exits = keep.map((k, i) => ({ ...graph.exits[k], index: i }));
  const pruned = pruneToExits({ ...graph, exits });
  return { ...pruned, meta: { ...graph.meta, keptExits: keep } };
}
