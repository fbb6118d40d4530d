/**
 * A small hand-made two-exit graph (conv-bn-relu stem, a strided dilated depthwise stage, a pooled mixed
 * op stage) for tests and fixtures of the executor, the training loop and evaluation, independent of the
 * model builders. Weights are drawn from a seeded generator (He-normal-ish), so the graph is reproducible.
 */
import type { IrNode, ModelGraph, WeightTensor } from '../ir/types.ts';

/** Options of the tiny graph. */
export interface TinyGraphOptions {
  /** Input side in pixels (square). Default 8. */
  size?: number;
  /** Input channels. Default 3. */
  channels?: number;
  /** Width of the stem. Default 8. */
  width?: number;
  classes?: number;
  seed?: number;
  /** Add a `mixedOp` with a trainable alpha `alpha/normal` (search-style graph). Default false. */
  withMixedOp?: boolean;
  /** Mark the residual sum's non-identity input for drop-path (as cells do). Default false. */
  dropPath?: boolean;
}

function gaussian(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Builds the tiny graph. */
export function tinyGraph(o: TinyGraphOptions = {}): ModelGraph {
  const size = o.size ?? 8;
  const cin = o.channels ?? 3;
  const c = o.width ?? 8;
  const classes = o.classes ?? 10;
  const rand = gaussian(o.seed ?? 1);
  const weights: Record<string, WeightTensor> = {};
  const w = (name: string, shape: number[], fanIn: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const std = Math.sqrt(2 / fanIn);
    weights[name] = { shape, trainable: true, data: Float32Array.from({ length: n }, () => rand() * std) };
    return name;
  };
  const fill = (name: string, shape: number[], value: number, trainable: boolean) => {
    weights[name] = { shape, trainable, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value) };
    return name;
  };
  const bn = (name: string, input: string, ch: number): IrNode => ({
    name, op: 'batchNorm', inputs: [input], attrs: { epsilon: 1e-5, momentum: 0.9, affine: true },
    weights: {
      gamma: fill(`${name}/gamma`, [ch], 1, true), beta: fill(`${name}/beta`, [ch], 0, true),
      movingMean: fill(`${name}/movingMean`, [ch], 0, false), movingVariance: fill(`${name}/movingVariance`, [ch], 1, false),
    },
  });
  const head = (prefix: string, input: string, ch: number): IrNode[] => [
    { name: `${prefix}/gap`, op: 'globalAvgPool', inputs: [input], attrs: {}, weights: {} },
    {
      name: `${prefix}/logits`, op: 'dense', inputs: [`${prefix}/gap`], attrs: { units: classes, activation: 'none' },
      weights: { kernel: w(`${prefix}/logits/kernel`, [ch, classes], ch), bias: fill(`${prefix}/logits/bias`, [classes], 0, true) },
    },
  ];
  const nodes: IrNode[] = [
    {
      name: 'stem/conv', op: 'conv2d', inputs: ['image'],
      attrs: { kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same', filters: c, activation: 'none' },
      weights: { filter: w('stem/conv/filter', [3, 3, cin, c], 9 * cin) },
    },
    bn('stem/bn', 'stem/conv', c),
    { name: 'stem/relu', op: 'relu', inputs: ['stem/bn'], attrs: {}, weights: {} },
    ...head('exit0', 'stem/relu', c),
    {
      name: 'b1/dw', op: 'depthwiseConv2d', inputs: ['stem/relu'],
      attrs: { kernel: [3, 3], strides: [1, 1], dilation: [2, 2], padding: 'same', activation: 'none' },
      weights: { filter: w('b1/dw/filter', [3, 3, c, 1], 9) },
    },
    {
      name: 'b1/pw', op: 'conv2d', inputs: ['b1/dw'],
      attrs: { kernel: [1, 1], strides: [1, 1], dilation: [1, 1], padding: 'same', filters: c, activation: 'none' },
      weights: { filter: w('b1/pw/filter', [1, 1, c, c], c), bias: fill('b1/pw/bias', [c], 0, true) },
    },
    bn('b1/bn', 'b1/pw', c),
    {
      name: 'b1/add', op: 'add', inputs: ['b1/bn', 'stem/relu'],
      attrs: o.dropPath ? { activation: 'relu', dropPath: [true, false] } : { activation: 'relu' }, weights: {},
    },
    { name: 'b1/max', op: 'maxPool', inputs: ['b1/add'], attrs: { kernel: [3, 3], strides: [2, 2], padding: 'same' }, weights: {} },
    { name: 'b1/avg', op: 'avgPool', inputs: ['b1/add'], attrs: { kernel: [3, 3], strides: [2, 2], padding: 'same' }, weights: {} },
  ];
  if (o.withMixedOp) {
    weights['alpha/normal'] = { shape: [1, 3], trainable: true, data: Float32Array.from([0.1, -0.2, 0.3]) };
    nodes.push({
      name: 'b1/mix', op: 'mixedOp', inputs: ['b1/max', 'b1/avg'],
      attrs: { alpha: 'alpha/normal', row: 0, primitives: ['none', 'max_pool_3x3', 'avg_pool_3x3'] }, weights: {},
    });
  } else {
    nodes.push({ name: 'b1/mix', op: 'concat', inputs: ['b1/max', 'b1/avg'], attrs: {}, weights: {} });
  }
  const mixChannels = o.withMixedOp ? c : 2 * c;
  nodes.push(...head('exit1', 'b1/mix', mixChannels));
  const macsStem = size * size * 9 * cin * c;
  const macsB1 = size * size * (9 * c + c * c);
  return {
    formatVersion: 1,
    name: 'tiny-test',
    inputs: [{ name: 'image', shape: [size, size, cin] }],
    nodes,
    exits: [
      { index: 0, tensor: 'exit0/logits', layer: 1, cumulativeMacs: macsStem + c * classes },
      { index: 1, tensor: 'exit1/logits', layer: 2, cumulativeMacs: macsStem + c * classes + macsB1 + mixChannels * classes },
    ],
    weights,
    meta: { preset: 'tiny-test', classes },
  };
}
