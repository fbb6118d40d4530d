import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../errors.ts';
import { GraphBuilder } from './builder.ts';
import type { ModelGraph } from './types.ts';
import { validateGraph } from './validate.ts';

function small(): ModelGraph {
  const b = new GraphBuilder('small', 3);
  const x = b.input('image', [8, 8, 3]);
  const c = b.scoped('stem', {}, () => b.relu(b.bn(b.conv(x, 4, { kernel: 3, stride: 2 }))));
  b.exit(b.dense(b.globalAvgPool(c), 10, 'logits'), 1);
  return b.build();
}

function expectInvalid(graph: ModelGraph, pattern: RegExp): void {
  assert.throws(() => validateGraph(graph), (e: unknown) => isRanasError(e, 'E_IR_INVALID') && pattern.test(e.message));
}

test('a built graph validates and its shapes are inferred (TF same padding: ceil(8/2) = 4)', () => {
  const shapes = validateGraph(small());
  assert.deepEqual(shapes.get('stem/conv'), [4, 4, 4]);
  assert.deepEqual(shapes.get('logits'), [10]);
});

test('an input used before it is defined names the node and the missing tensor', () => {
  const g = small();
  g.nodes = [g.nodes[1], g.nodes[0], ...g.nodes.slice(2)];
  expectInvalid(g, /node stem\/bn \(batchNorm\): input 0 'stem\/conv' is not defined before use/);
});

test('a weight of the wrong shape names node, weight and expected shape', () => {
  const g = small();
  g.weights['stem/conv/filter'] = { shape: [3, 3, 2, 4], data: new Float32Array(72), trainable: true };
  expectInvalid(g, /node stem\/conv \(conv2d\): weight 'filter' \('stem\/conv\/filter'\) has shape \[3, 3, 2, 4\]; expected \[3, 3, 3, 4\]/);
});

test('a missing required weight and short weight data are reported', () => {
  const g = small();
  const bn = g.nodes[1];
  assert.equal(bn.op, 'batchNorm');
  if (bn.op === 'batchNorm') delete bn.weights.movingMean;
  expectInvalid(g, /node stem\/bn \(batchNorm\): missing weight 'movingMean' of shape \[4\]/);
  const g2 = small();
  g2.weights['logits/bias'] = { shape: [10], data: new Float32Array(9), trainable: true };
  expectInvalid(g2, /node logits \(dense\): weight 'logits\/bias' holds 9 values; its shape \[10\] needs 10/);
});

test('inconsistent attributes name the node and op', () => {
  const g = small();
  const conv = g.nodes[0];
  if (conv.op === 'conv2d') conv.attrs.strides = [0, 2];
  expectInvalid(g, /node stem\/conv \(conv2d\): strides must be two positive integers/);
  const g2 = small();
  const dense = g2.nodes.at(-1);
  if (dense?.op === 'dense') dense.inputs = ['stem/relu'];
  expectInvalid(g2, /node logits \(dense\): dense input must be a vector \[C\], found \[4, 4, 4\]/);
});

test('concat with mismatched H/W and add with mismatched shapes are rejected', () => {
  const b = new GraphBuilder('t', 0);
  const x = b.input('x', [8, 8, 2]);
  const y = b.maxPool(x, 2, 2);
  assert.throws(() => b.concat([x, y]), /concat inputs must share H and W; input 0 is 8x8, input 1 is 4x4/);
  assert.throws(() => b.add([x, y]), /all inputs must have the same shape/);
});

test('exits must point at logits vectors in index order', () => {
  const g = small();
  g.exits = [{ index: 0, tensor: 'stem/relu', layer: 1, cumulativeMacs: 0 }];
  expectInvalid(g, /exit 0 tensor 'stem\/relu' has shape \[4, 4, 4\]; expected a logits vector/);
});
