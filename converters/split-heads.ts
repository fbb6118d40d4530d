/**
 * Splits every anytime segment into a trunk and a head (issue 18 part 4, `ranas export --split-heads`), so a
 * device that picks its exit on arrival (the `planned` policy) runs the trunks up to exit k and only head k
 * instead of every head up to k.
 *
 * Head k = the nodes of segment k built as exit k's classifier: tagged `exit` by the model builders
 * (`src/model/msdnet.ts`, `ms-ranas.ts`: `scoped('l<n>/exit', { exit })`); trunk k = the other nodes of
 * segment k. Parts run in the order trunk 0, head 0, trunk 1, head 1, …, but a planned run skips heads, so
 * no trunk may read a head's tensor (checked). A part's inputs are the tensors it reads that are computed
 * before it (the graph input or earlier trunks' tensors), in graph order; a trunk's outputs are the tensors
 * it computes that a later part reads, in graph order; a head's only output is its exit's logits. The
 * quantisation stays global, so a tensor crossing any cut keeps one scale / zero point.
 */
import { RanasError } from '../src/errors.ts';
import type { ModelGraph } from '../src/ir/types.ts';
import type { Segment } from './quant-types.ts';

/** One model file of a split segment: nodes in graph order and its boundary tensors. */
export interface SegmentPart {
  nodes: string[];
  inputs: string[];
  outputs: string[];
}

/** Segment k as trunk k and head k. */
export interface SplitSegment {
  index: number;
  trunk: SegmentPart;
  head: SegmentPart;
}

/** True when `node` was built as an exit's classifier head. */
function isHeadNode(tags: Record<string, string | number> | undefined): boolean {
  return tags?.exit !== undefined;
}

/** Trunk and head of every segment of `graph` (as cut by `cutSegments`). */
export function splitHeads(graph: ModelGraph, segments: readonly Segment[]): SplitSegment[] {
  const nodeOf = new Map(graph.nodes.map((n) => [n.name, n]));
  const order = new Map<string, number>();
  graph.inputs.forEach((input, i) => order.set(input.name, i - graph.inputs.length));
  graph.nodes.forEach((n, i) => order.set(n.name, i));
  const byOrder = (a: string, b: string) => (order.get(a) as number) - (order.get(b) as number);
  const headNodes = new Set<string>();
  const groups = segments.map((s) => {
    const head = s.nodes.filter((n) => isHeadNode(nodeOf.get(n)?.tags));
    const trunk = s.nodes.filter((n) => !isHeadNode(nodeOf.get(n)?.tags));
    if (head.length === 0 || !head.includes(s.exitTensor)) {
      throw new RanasError('E_SEGMENT_HEAD', `segment ${s.index} has no head nodes ending in its exit ${s.exitTensor} (nodes tagged 'exit' by the model builder); expected the exit's classifier to be tagged so trunk and head can be split`, { segment: s.index, exit: s.exitTensor });
    }
    if (trunk.length === 0) {
      throw new RanasError('E_SEGMENT_HEAD', `segment ${s.index} is all head (${head.length} nodes) and has no trunk; expected every exit after a trunk of its own`, { segment: s.index });
    }
    head.forEach((n) => headNodes.add(n));
    return { index: s.index, trunk, head, exitTensor: s.exitTensor };
  });
  // Parts in run order: trunk 0, head 0, trunk 1, head 1, …
  const parts = groups.flatMap((g) => [g.trunk, g.head]);
  const reads = parts.map((nodes) => {
    const own = new Set(nodes);
    return [...new Set(nodes.flatMap((n) => nodeOf.get(n)?.inputs ?? []).filter((t) => !own.has(t)))].sort(byOrder);
  });
  groups.forEach((g, k) => {
    const bad = reads[2 * k].find((t) => headNodes.has(t));
    if (bad !== undefined) {
      throw new RanasError('E_SEGMENT_HEAD', `trunk ${k} reads ${bad}, a head's tensor; expected trunks to read trunk tensors only (a planned run skips heads)`, { segment: k, tensor: bad });
    }
  });
  return groups.map((g, k) => {
    const laterReads = new Set(reads.slice(2 * k + 1).flat());
    return {
      index: g.index,
      trunk: { nodes: g.trunk, inputs: reads[2 * k], outputs: g.trunk.filter((n) => laterReads.has(n)) },
      head: { nodes: g.head, inputs: reads[2 * k + 1], outputs: [g.exitTensor] },
    };
  });
}
