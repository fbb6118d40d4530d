/**
 * Common-subexpression elimination on an IR graph: a node whose op is pure (its output is a function of its
 * inputs and attributes alone), whose op, attributes and inputs equal those of an earlier node, is dropped and
 * its readers (nodes and exits) read the earlier node instead. The computed function is unchanged; only work
 * done twice goes.
 *
 * Why the search supernet needs it: every sep_conv, dil_conv and factorized-reduce primitive of a DARTS mixed
 * op starts with relu of the edge's input state, and the edges from one state to different nodes pool that
 * state alike (same kernel, same stride), so each state is relu'd and pooled once per reader instead of once.
 * On the tiny preset that removes half of the supernet's relus, a third of its pools and the batch-norms after
 * the merged pools (918 → 783 nodes).
 *
 * The kept node is the first one in graph order, with its name and tags (tags then name the first primitive
 * that built it, e.g. `sep_conv_3x3`, although every primitive of the edge reads it; these ops cost 0 MACs).
 */
import type { IrNode, IrNodeOf, ModelGraph, OpType } from '../ir/types.ts';

/**
 * Which nodes are pure functions of their inputs and attributes, per op. Ops with trainable weights never
 * are (two convs with equal inputs have different filters). A non-affine batch-norm is: in training it
 * normalises with the batch's own statistics, and its running statistics are a function of the inputs it has
 * seen (same initial values, same momentum), so two of them reading the same tensor hold equal statistics at
 * every step and one can stand for both — DARTS puts one after every pool of a mixed op, so the two edges that
 * pool one state alike also normalise it alike. The dropped node's running-statistics buffers leave the graph.
 */
const PURE: { [T in OpType]: (node: IrNodeOf<T>) => boolean } = {
  conv2d: () => false,
  depthwiseConv2d: () => false,
  batchNorm: (n) => !n.attrs.affine,
  relu: () => true,
  // A cell sum carries drop-path flags whose per-sample masks are drawn per node name.
  add: () => false,
  concat: () => true,
  maxPool: () => true,
  avgPool: () => true,
  globalAvgPool: () => true,
  dense: () => false,
  // Pure too, but its inputs are distinct weighted primitives, so two are never equal.
  mixedOp: () => false,
};

function isPure<T extends OpType>(node: IrNodeOf<T>): boolean {
  const rule: (n: IrNodeOf<T>) => boolean = PURE[node.op];
  return rule(node);
}

/** JSON with object keys sorted, so attribute objects built in different key orders compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** The identity of a pure node's computation (op, attributes, inputs; not its name or buffer names). */
function mergeKey(node: IrNode, inputs: readonly string[]): string | undefined {
  if (!isPure(node)) return undefined;
  return `${node.op}|${canonical(node.attrs)}|${canonical(inputs)}`;
}

/** What `mergeCommonNodes` did. */
export interface MergeResult {
  graph: ModelGraph;
  /** Dropped node name → the kept node it reads instead. */
  replaced: Map<string, string>;
  /** Weights (running-statistics buffers) only dropped nodes referenced, now gone from `graph.weights`. */
  droppedWeights: string[];
}

/**
 * Drops every pure node that repeats an earlier one (same op, attributes and inputs, after earlier merges) and
 * rewires its readers. `graph.nodes` must be in topological order (as every `ModelGraph`'s are).
 */
export function mergeCommonNodes(graph: ModelGraph): MergeResult {
  const replaced = new Map<string, string>();
  const firstByKey = new Map<string, string>();
  const nodes: IrNode[] = [];
  const rename = (t: string) => replaced.get(t) ?? t;
  for (const node of graph.nodes) {
    const inputs = node.inputs.map(rename);
    const key = mergeKey(node, inputs);
    const kept = key === undefined ? undefined : firstByKey.get(key);
    if (kept !== undefined) {
      replaced.set(node.name, kept);
      continue;
    }
    if (key !== undefined) firstByKey.set(key, node.name);
    nodes.push({ ...node, inputs });
  }
  const exits = graph.exits.map((e) => ({ ...e, tensor: rename(e.tensor) }));
  const used = new Set(nodes.flatMap((n) => Object.values(n.weights)));
  const droppedWeights = graph.nodes
    .filter((n) => replaced.has(n.name))
    .flatMap((n) => Object.values(n.weights))
    .filter((w): w is string => typeof w === 'string' && !used.has(w));
  const gone = new Set(droppedWeights);
  const weights = Object.fromEntries(Object.entries(graph.weights).filter(([name]) => !gone.has(name)));
  return { graph: { ...graph, nodes, exits, weights }, replaced, droppedWeights };
}
