/**
 * Cuts a multi-exit graph into anytime segments (DESIGN "Anytime halting needs segments"): segment k holds
 * the nodes exit k needs that no earlier segment computed, in graph order. Its inputs are the tensors it
 * reads that were computed before it (the graph input for segment 0); its outputs are the tensors it
 * computes that a later segment reads (the states live across the cut), in graph order, then its exit's
 * logits. Nodes no exit needs are left out. Quantisation is global (one QuantizedGraph), so a tensor
 * crossing a cut has one scale / zero point on both sides by construction.
 */
import { RanasError } from '../src/errors.ts';
import type { ModelGraph } from '../src/ir/types.ts';
import type { Segment } from './quant-types.ts';

/** Nodes (by name) `tensor` depends on, including itself when it is a node. */
function ancestorNodes(graph: ModelGraph, tensor: string, byName: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [tensor];
  while (stack.length > 0) {
    const t = stack.pop() as string;
    const inputs = byName.get(t);
    if (inputs === undefined || seen.has(t)) continue;
    seen.add(t);
    stack.push(...inputs);
  }
  return seen;
}

/** The segments of `graph`, one per exit in exit-index order. */
export function cutSegments(graph: ModelGraph): Segment[] {
  if (graph.exits.length === 0) throw new RanasError('E_SEGMENT_NO_EXITS', `graph ${graph.name} has no exits; expected at least one to cut segments at`, {});
  const byName = new Map(graph.nodes.map((n) => [n.name, n.inputs]));
  const order = new Map<string, number>();
  graph.inputs.forEach((input, i) => order.set(input.name, i - graph.inputs.length));
  graph.nodes.forEach((n, i) => order.set(n.name, i));
  const exits = [...graph.exits].sort((a, b) => a.index - b.index);
  const done = new Set<string>();
  const parts: { index: number; nodes: string[]; inputs: string[]; exitTensor: string }[] = [];
  for (const exit of exits) {
    if (!order.has(exit.tensor) || !byName.has(exit.tensor)) {
      throw new RanasError('E_SEGMENT_EXIT', `exit ${exit.index} reads tensor ${exit.tensor}, which no node of graph ${graph.name} computes`, { exit: exit.index, tensor: exit.tensor });
    }
    if (done.has(exit.tensor)) {
      throw new RanasError('E_SEGMENT_EXIT', `exit ${exit.index} (${exit.tensor}) is already computed by an earlier segment; expected exits in order of increasing depth`, { exit: exit.index, tensor: exit.tensor });
    }
    const needed = ancestorNodes(graph, exit.tensor, byName);
    const nodes = graph.nodes.filter((n) => needed.has(n.name) && !done.has(n.name)).map((n) => n.name);
    const own = new Set(nodes);
    const inputs = [...new Set(nodes.flatMap((n) => byName.get(n) as string[]).filter((t) => !own.has(t)))]
      .sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
    nodes.forEach((n) => done.add(n));
    parts.push({ index: exit.index, nodes, inputs, exitTensor: exit.tensor });
  }
  return parts.map((part, k) => {
    const own = new Set(part.nodes);
    const later = new Set(parts.slice(k + 1).flatMap((p) => p.inputs));
    const handed = part.nodes.filter((n) => own.has(n) && later.has(n) && n !== part.exitTensor);
    return { index: k, nodes: part.nodes, inputs: part.inputs, outputs: [...handed, part.exitTensor], exitTensor: part.exitTensor };
  });
}
