/**
 * Removes every batch-norm node (eval mode: y = gamma * (x - mean) / sqrt(var + eps) + beta = a * x + b):
 *  - into the producing conv / depthwise / dense when the BN is that producer's only reader and the producer
 *    has no fused activation: filter * a per output channel, bias * a + b;
 *  - through a concat whose every input is such a producer read only by the concat (DARTS's factorized
 *    reduce: concat of two strided convs, then BN): each conv gets its slice of a and b;
 *  - otherwise lowered to a per-channel affine node: a 1×1 depthwise conv with bias on feature maps, a
 *    diagonal dense on vectors.
 * The surviving node takes the BN's name, so every reader of the BN's tensor (and exits) stay valid.
 * Pure: the input graph is not modified; unused weights are dropped from the result.
 */
import { RanasError } from '../../src/errors.ts';
import type { IrNode, IrNodeOf, ModelGraph, WeightTensor } from '../../src/ir/types.ts';
import { dropUnusedWeights, freshName, useCounts } from './graph-edit.ts';

type Foldable = IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'> | IrNodeOf<'dense'>;

/** Per-channel affine form of a batch-norm in eval mode (float64). */
export interface ChannelAffine {
  scale: Float64Array;
  shift: Float64Array;
}

function weightData(graph: ModelGraph, name: string | undefined, node: string, role: string): Float32Array {
  const w = name === undefined ? undefined : graph.weights[name];
  if (!w) throw new RanasError('E_CONVERT_WEIGHT', `batch-norm ${node} has no ${role} weight (found ${name ?? 'none'})`, { node, role });
  return w.data;
}

/** a = gamma / sqrt(var + eps), b = beta - mean * a (gamma = 1, beta = 0 when absent). */
export function batchNormAffine(graph: ModelGraph, bn: IrNodeOf<'batchNorm'>): ChannelAffine {
  const mean = weightData(graph, bn.weights.movingMean, bn.name, 'movingMean');
  const variance = weightData(graph, bn.weights.movingVariance, bn.name, 'movingVariance');
  const gamma = bn.weights.gamma ? weightData(graph, bn.weights.gamma, bn.name, 'gamma') : undefined;
  const beta = bn.weights.beta ? weightData(graph, bn.weights.beta, bn.name, 'beta') : undefined;
  const c = mean.length;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + bn.attrs.epsilon);
    shift[i] = (beta ? beta[i] : 0) - mean[i] * scale[i];
  }
  return { scale, shift };
}

function isFoldable(node: IrNode | undefined): node is Foldable {
  return node !== undefined && (node.op === 'conv2d' || node.op === 'depthwiseConv2d' || node.op === 'dense') && node.attrs.activation === 'none';
}

function mainWeight(node: Foldable): string | undefined {
  return node.op === 'dense' ? node.weights.kernel : node.weights.filter;
}

/** Output channels of a foldable node (the innermost-varying channel axis of its main weight). */
function outChannels(graph: ModelGraph, node: Foldable): number {
  if (node.op === 'conv2d') return node.attrs.filters;
  if (node.op === 'dense') return node.attrs.units;
  const name = node.weights.filter;
  const w = name === undefined ? undefined : graph.weights[name];
  if (!w) throw new RanasError('E_CONVERT_WEIGHT', `node ${node.name} (depthwiseConv2d) has no filter weight`, { node: node.name });
  return w.shape[2];
}

/**
 * Scales `node`'s main weight and bias by channels [offset, offset + its channels) of `affine`, writing
 * new weights into `weights` (existing ones are never modified: they may be shared).
 */
function foldInto(graph: ModelGraph, weights: Record<string, WeightTensor>, node: Foldable, affine: ChannelAffine, offset: number): Foldable {
  const c = outChannels(graph, node);
  const mainName = mainWeight(node);
  const main = mainName === undefined ? undefined : graph.weights[mainName];
  if (!main) throw new RanasError('E_CONVERT_WEIGHT', `node ${node.name} (${node.op}) has no ${node.op === 'dense' ? 'kernel' : 'filter'} weight`, { node: node.name });
  const data = Float32Array.from(main.data, (v, i) => v * affine.scale[offset + (i % c)]);
  const oldBias = node.weights.bias ? graph.weights[node.weights.bias]?.data : undefined;
  const bias = Float32Array.from({ length: c }, (_, ch) => (oldBias ? oldBias[ch] : 0) * affine.scale[offset + ch] + affine.shift[offset + ch]);
  const mainNew = freshName(`${node.name}/folded/${node.op === 'dense' ? 'kernel' : 'filter'}`, weights);
  weights[mainNew] = { shape: [...main.shape], data, trainable: true };
  const biasNew = freshName(`${node.name}/folded/bias`, weights);
  weights[biasNew] = { shape: [c], data: bias, trainable: true };
  if (node.op === 'dense') return { ...node, weights: { kernel: mainNew, bias: biasNew } };
  if (node.op === 'conv2d') return { ...node, weights: { filter: mainNew, bias: biasNew } };
  return { ...node, weights: { filter: mainNew, bias: biasNew } };
}

/** Rank of a tensor: 3 for feature maps, 1 for vectors (graph inputs by shape; nodes by op). */
function tensorRank(graph: ModelGraph, tensor: string): number {
  const input = graph.inputs.find((i) => i.name === tensor);
  if (input) return input.shape.length;
  const node = graph.nodes.find((n) => n.name === tensor);
  if (!node) throw new RanasError('E_CONVERT_TENSOR', `tensor ${tensor} is not defined in graph ${graph.name}`, { tensor });
  if (node.op === 'dense' || node.op === 'globalAvgPool') return 1;
  return node.inputs.length === 0 ? 3 : tensorRank(graph, node.inputs[0]);
}

/** A standalone per-channel affine node replacing the BN (same name and input). */
function lowerAffine(graph: ModelGraph, weights: Record<string, WeightTensor>, bn: IrNodeOf<'batchNorm'>, affine: ChannelAffine): IrNode {
  const c = affine.scale.length;
  const biasName = freshName(`${bn.name}/affine/bias`, weights);
  weights[biasName] = { shape: [c], data: Float32Array.from(affine.shift), trainable: true };
  if (tensorRank(graph, bn.inputs[0]) === 1) {
    const kernelName = freshName(`${bn.name}/affine/kernel`, weights);
    const kernel = new Float32Array(c * c);
    for (let i = 0; i < c; i++) kernel[i * c + i] = affine.scale[i];
    weights[kernelName] = { shape: [c, c], data: kernel, trainable: true };
    return { name: bn.name, op: 'dense', inputs: [...bn.inputs], attrs: { units: c, activation: 'none' }, weights: { kernel: kernelName, bias: biasName }, tags: bn.tags };
  }
  const filterName = freshName(`${bn.name}/affine/filter`, weights);
  weights[filterName] = { shape: [1, 1, c, 1], data: Float32Array.from(affine.scale), trainable: true };
  return {
    name: bn.name, op: 'depthwiseConv2d', inputs: [...bn.inputs], tags: bn.tags,
    attrs: { kernel: [1, 1], strides: [1, 1], dilation: [1, 1], padding: 'same', activation: 'none' },
    weights: { filter: filterName, bias: biasName },
  };
}

/** Removes the batch-norm at `bnIndex`, folding it where it can. */
function foldOne(graph: ModelGraph, bnIndex: number): ModelGraph {
  const bn = graph.nodes[bnIndex];
  if (bn.op !== 'batchNorm') throw new RanasError('E_CONVERT_OP', `node ${bn.name} (${bn.op}) is not a batch-norm`, { node: bn.name });
  const affine = batchNormAffine(graph, bn);
  const uses = useCounts(graph);
  const weights = { ...graph.weights };
  const nodes = [...graph.nodes];
  const indexOf = (name: string) => nodes.findIndex((n) => n.name === name);
  const producerIndex = indexOf(bn.inputs[0]);
  const producer = producerIndex >= 0 ? nodes[producerIndex] : undefined;
  const onlyReader = (name: string) => uses.get(name) === 1;

  if (producer && isFoldable(producer) && onlyReader(producer.name)) {
    nodes[producerIndex] = { ...foldInto(graph, weights, producer, affine, 0), name: bn.name, tags: producer.tags };
    nodes.splice(bnIndex, 1);
    return { ...graph, nodes, weights };
  }
  if (producer && producer.op === 'concat' && onlyReader(producer.name)) {
    const parts = producer.inputs.map((name) => nodes[indexOf(name)]).filter((p): p is Foldable => isFoldable(p) && onlyReader(p.name));
    if (parts.length === producer.inputs.length) {
      let offset = 0;
      for (const part of parts) {
        nodes[indexOf(part.name)] = foldInto(graph, weights, part, affine, offset);
        offset += outChannels(graph, part);
      }
      if (offset !== affine.scale.length) {
        throw new RanasError('E_CONVERT_SHAPE', `batch-norm ${bn.name} has ${affine.scale.length} channels but concat ${producer.name} gives ${offset}`, { node: bn.name });
      }
      nodes[producerIndex] = { ...producer, name: bn.name };
      nodes.splice(bnIndex, 1);
      return { ...graph, nodes, weights };
    }
  }
  nodes[bnIndex] = lowerAffine(graph, weights, bn, affine);
  return { ...graph, nodes, weights };
}

/** The graph with every batch-norm folded away (see the file comment). */
export function foldBatchNorm(graph: ModelGraph): ModelGraph {
  let g: ModelGraph = { ...graph, nodes: [...graph.nodes] };
  for (;;) {
    const index = g.nodes.findIndex((n) => n.op === 'batchNorm');
    if (index < 0) break;
    g = foldOne(g, index);
  }
  return dropUnusedWeights(g);
}
