/**
 * Folds a relu into its producer's fused activation (conv, depthwise, dense, add) when the relu is the
 * producer's only reader and the producer has no activation yet. The fused node takes the relu's name, so
 * readers of the relu's tensor stay valid. Other relus (on a graph input, a concat, a pool, or on a tensor
 * read elsewhere too) remain standalone nodes. Pure.
 */
import { byOp, type OpTable } from '../../src/ir/op-table.ts';
import type { FusedActivation, IrNode, ModelGraph } from '../../src/ir/types.ts';
import { useCounts } from './graph-edit.ts';

const noFusedActivation = (): undefined => undefined;

/** A node with a fused activation, renamed, with relu fused in; undefined when it already has one. */
function withReluFused<N extends { attrs: { activation: FusedActivation } }>(node: N, name: string): N | undefined {
  return node.attrs.activation === 'none' ? { ...node, name, attrs: { ...node.attrs, activation: 'relu' } } : undefined;
}

/** Each op with a fused activation, renamed with relu fused in (undefined when it has none or one already). */
const WITH_RELU: OpTable<IrNode | undefined, [name: string]> = {
  conv2d: withReluFused,
  depthwiseConv2d: withReluFused,
  dense: withReluFused,
  add: withReluFused,
  batchNorm: noFusedActivation,
  relu: noFusedActivation,
  concat: noFusedActivation,
  maxPool: noFusedActivation,
  avgPool: noFusedActivation,
  globalAvgPool: noFusedActivation,
  mixedOp: noFusedActivation,
};

function withRelu(node: IrNode, name: string): IrNode | undefined {
  return byOp(WITH_RELU, node, name);
}

/** The graph with every fusable relu folded into its producer. */
export function fuseRelu(graph: ModelGraph): ModelGraph {
  const uses = useCounts(graph);
  const nodes = [...graph.nodes];
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const removed = new Set<number>();
  graph.nodes.forEach((node, i) => {
    if (node.op !== 'relu') return;
    const pi = index.get(node.inputs[0]);
    if (pi === undefined || uses.get(node.inputs[0]) !== 1) return;
    const fused = withRelu(nodes[pi], node.name);
    if (!fused) return;
    nodes[pi] = fused;
    removed.add(i);
  });
  return { ...graph, nodes: nodes.filter((_, i) => !removed.has(i)) };
}
