/**
 * Folds a relu into its producer's fused activation (conv, depthwise, dense, add) when the relu is the
 * producer's only reader and the producer has no activation yet. The fused node takes the relu's name, so
 * readers of the relu's tensor stay valid. Other relus (on a graph input, a concat, a pool, or on a tensor
 * read elsewhere too) remain standalone nodes. Pure.
 */
import type { IrNode, ModelGraph } from '../../src/ir/types.ts';
import { useCounts } from './graph-edit.ts';

function withRelu(node: IrNode, name: string): IrNode | undefined {
  switch (node.op) {
    case 'conv2d':
      return node.attrs.activation === 'none' ? { ...node, name, attrs: { ...node.attrs, activation: 'relu' } } : undefined;
    case 'depthwiseConv2d':
      return node.attrs.activation === 'none' ? { ...node, name, attrs: { ...node.attrs, activation: 'relu' } } : undefined;
    case 'dense':
      return node.attrs.activation === 'none' ? { ...node, name, attrs: { ...node.attrs, activation: 'relu' } } : undefined;
    case 'add':
      return node.attrs.activation === 'none' ? { ...node, name, attrs: { ...node.attrs, activation: 'relu' } } : undefined;
    default:
      return undefined;
  }
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
