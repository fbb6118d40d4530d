/**
 * A small hand-made two-exit graph after batch-norm folding and ReLU fusion, covering every exportable op
 * (strided and dilated conv, depthwise, add with fused ReLU, max/avg pooling with `same` and `valid`
 * padding on odd sizes, concat, standalone ReLU, global average pooling, dense). For converter tests.
 */
import type { IrNode, ModelGraph, WeightTensor } from '../../src/ir/types.ts';

/** Deterministic uniform numbers in [-1, 1) (xorshift32). */
export function uniformSource(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s / 4294967296) * 2 - 1;
  };
}

/** Builds the fixture: input [size, size, 3], exits `exit0/logits` and `exit1/logits`. */
export function fixtureGraph(opts: { size?: number; width?: number; classes?: number; seed?: number } = {}): ModelGraph {
  const size = opts.size ?? 9;
  const c = opts.width ?? 6;
  const classes = opts.classes ?? 5;
  const rand = uniformSource(opts.seed ?? 7);
  const weights: Record<string, WeightTensor> = {};
  const w = (name: string, shape: number[], fanIn: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const bound = Math.sqrt(3 / fanIn);
    weights[name] = { shape, trainable: true, data: Float32Array.from({ length: n }, () => rand() * bound) };
    return name;
  };
  const b = (name: string, n: number) => {
    weights[name] = { shape: [n], trainable: true, data: Float32Array.from({ length: n }, () => rand() * 0.1) };
    return name;
  };
  const conv = (name: string, input: string, cin: number, filters: number, k: number, stride: number, dilation: number, relu: boolean): IrNode => ({
    name, op: 'conv2d', inputs: [input],
    attrs: { kernel: [k, k], strides: [stride, stride], dilation: [dilation, dilation], padding: 'same', filters, activation: relu ? 'relu' : 'none' },
    weights: { filter: w(`${name}/filter`, [k, k, cin, filters], k * k * cin), bias: b(`${name}/bias`, filters) },
  });
  // Head nodes carry the `exit` tag as the model builders set it (converters/split-heads.ts reads it).
  const head = (prefix: string, input: string, ch: number, exit: number): IrNode[] => [
    { name: `${prefix}/gap`, op: 'globalAvgPool', inputs: [input], attrs: {}, weights: {}, tags: { exit } },
    {
      name: `${prefix}/logits`, op: 'dense', inputs: [`${prefix}/gap`], attrs: { units: classes, activation: 'none' }, tags: { exit },
      weights: { kernel: w(`${prefix}/logits/kernel`, [ch, classes], ch), bias: b(`${prefix}/logits/bias`, classes) },
    },
  ];
  const nodes: IrNode[] = [
    conv('stem', 'image', 3, c, 3, 2, 1, true),
    ...head('exit0', 'stem', c, 0),
    {
      name: 'b1/dw', op: 'depthwiseConv2d', inputs: ['stem'],
      attrs: { kernel: [3, 3], strides: [1, 1], dilation: [2, 2], padding: 'same', activation: 'none' },
      weights: { filter: w('b1/dw/filter', [3, 3, c, 1], 9), bias: b('b1/dw/bias', c) },
    },
    conv('b1/pw', 'b1/dw', c, c, 1, 1, 1, false),
    { name: 'b1/add', op: 'add', inputs: ['b1/pw', 'stem'], attrs: { activation: 'relu' }, weights: {} },
    { name: 'b1/max', op: 'maxPool', inputs: ['b1/add'], attrs: { kernel: [3, 3], strides: [2, 2], padding: 'same' }, weights: {} },
    { name: 'b1/avg', op: 'avgPool', inputs: ['b1/add'], attrs: { kernel: [3, 3], strides: [2, 2], padding: 'same' }, weights: {} },
    { name: 'b1/cat', op: 'concat', inputs: ['b1/max', 'b1/avg'], attrs: {}, weights: {} },
    conv('b2/conv', 'b1/cat', 2 * c, c, 3, 1, 1, false),
    { name: 'b2/relu', op: 'relu', inputs: ['b2/conv'], attrs: {}, weights: {} },
    { name: 'b2/pool', op: 'avgPool', inputs: ['b2/relu'], attrs: { kernel: [2, 2], strides: [1, 1], padding: 'valid' }, weights: {} },
    ...head('exit1', 'b2/pool', c, 1),
  ];
  return {
    formatVersion: 1,
    name: 'onnx-fixture',
    inputs: [{ name: 'image', shape: [size, size, 3] }],
    nodes,
    exits: [
      { index: 0, tensor: 'exit0/logits', layer: 1, cumulativeMacs: 1000 },
      { index: 1, tensor: 'exit1/logits', layer: 2, cumulativeMacs: 3000 },
    ],
    weights,
    meta: { classNames: Array.from({ length: classes }, (_, i) => `class${i}`), dataset: 'fixture' },
  };
}
