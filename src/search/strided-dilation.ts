/**
 * Workaround until the engine runs dilated convolutions with stride > 1 (`src/engine/conv.ts` refuses them
 * with E_CONV_DILATION_STRIDE; the supernet's reduction cells have dil_conv_3x3/5x5 with stride 2 on the
 * edges from the cell inputs). Rewrites every such depthwise conv into the same conv at stride 1 followed by
 * a 1×1 `valid` max-pool with the original stride, i.e. a subsample at rows/cols 0, 2, 4, … .
 *
 * That is exactly PyTorch DARTS's `DilConv` at stride 2 (symmetric padding d·(k−1)/2, output i reads from
 * 2i − d·(k−1)/2); TF `same` at stride 2 would read from one pixel later for even sizes. Output sizes agree
 * (ceil(H/2)). Weights are unchanged, so alphas and the derived genotype do not depend on the rewrite.
 */
import type { IrNode, ModelGraph } from '../ir/types.ts';

/** The graph with every strided dilated depthwise conv split into stride-1 conv + subsampling max-pool. */
export function splitStridedDilation(graph: ModelGraph): ModelGraph {
  const nodes: IrNode[] = [];
  let rewritten = 0;
  for (const n of graph.nodes) {
    if (n.op === 'depthwiseConv2d' && n.attrs.dilation.some((d) => d > 1) && n.attrs.strides.some((s) => s > 1)) {
      const inner = `${n.name}/stride1`;
      nodes.push({ ...n, name: inner, attrs: { ...n.attrs, strides: [1, 1] } });
      nodes.push({ name: n.name, op: 'maxPool', inputs: [inner], attrs: { kernel: [1, 1], strides: n.attrs.strides, padding: 'valid' }, weights: {}, tags: n.tags });
      rewritten += 1;
    } else {
      nodes.push(n);
    }
  }
  return { ...graph, nodes, meta: { ...graph.meta, stridedDilationSplit: rewritten } };
}
