import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelGraph } from '../../src/ir/types.ts';
import { referenceForward } from '../reference/reference-forward.ts';
import { GraphBuilder, multiExitGraph, randomImage } from '../reference/test-graphs.ts';
import { foldBatchNorm } from './fold-batch-norm.ts';

/** Max |a - b| relative to max |b| over the tensor. */
function relErr(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) { err = Math.max(err, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return err / scale;
}

function assertSameOutputs(g: ModelGraph, folded: ModelGraph, wanted: string[]): void {
  for (const seed of [1, 2, 3]) {
    const img = randomImage(g.inputs[0].shape, seed);
    const a = referenceForward(g, img, wanted);
    const b = referenceForward(folded, img, wanted);
    for (const t of wanted) {
      const e = relErr(b.get(t) as Float32Array, a.get(t) as Float32Array);
      assert.ok(e < 1e-5, `${t}: relative error ${e}`);
    }
  }
}

const ops = (g: ModelGraph) => g.nodes.map((n) => n.op);

test('BN after a conv folds into it (node count drops by one, name kept)', () => {
  const b = new GraphBuilder('x', [6, 6, 3]);
  const out = b.relu('r', b.bn('bn', b.conv('c', 'x', { filters: 4, bias: true })));
  const g = b.build();
  const f = foldBatchNorm(g);
  assert.deepEqual(ops(f), ['conv2d', 'relu']);
  assert.equal(f.nodes[0].name, 'bn');
  assert.ok(!Object.keys(f.weights).some((w) => w.startsWith('bn/')), 'BN weights dropped');
  assert.equal(g.nodes.length, 3, 'input graph untouched');
  assertSameOutputs(g, f, [out]);
});

test('BN after a dilated depthwise conv and after a bias-free conv folds', () => {
  const b = new GraphBuilder('x', [8, 8, 3], 4);
  const d = b.bn('bn1', b.dw('d', 'x', { kernel: 3, dilation: 2, stride: 2 }));
  const c = b.bn('bn2', b.conv('c', d, { filters: 5, kernel: 1 }));
  const g = b.build();
  const f = foldBatchNorm(g);
  assert.deepEqual(ops(f), ['depthwiseConv2d', 'conv2d']);
  assertSameOutputs(g, f, [c]);
});

test('BN after a concat of two convs (factorized reduce) folds per slice into both convs', () => {
  const b = new GraphBuilder('x', [8, 8, 4], 7);
  const r = b.relu('r', 'x');
  const c1 = b.conv('c1', r, { filters: 3, kernel: 1, stride: 2 });
  const c2 = b.conv('c2', b.pool('shift', 'avgPool', r, 1, 1), { filters: 2, kernel: 1, stride: 2 });
  const out = b.bn('bn', b.concat('cat', [c1, c2]));
  const g = b.build();
  const f = foldBatchNorm(g);
  assert.deepEqual(ops(f), ['relu', 'conv2d', 'avgPool', 'conv2d', 'concat']);
  assert.equal(f.nodes[4].name, 'bn');
  assertSameOutputs(g, f, [out]);
});

test('BN whose producer has two readers is lowered to a 1x1 depthwise conv (vector input: diagonal dense)', () => {
  const b = new GraphBuilder('x', [6, 6, 3], 9);
  const c = b.conv('c', 'x', { filters: 4 });
  const bn = b.bn('bn', c);
  const s = b.sum('s', [bn, c]);
  const v = b.dense('fc', b.gap('gap', s), 3);
  const other = b.sum('other', [v, v]);
  const bnv = b.bn('bnv', v);
  const g = b.build();
  const f = foldBatchNorm(g);
  assert.ok(!ops(f).includes('batchNorm'));
  const lowered = f.nodes.find((n) => n.name === 'bn');
  assert.equal(lowered?.op, 'depthwiseConv2d');
  assert.equal(f.nodes.find((n) => n.name === 'bnv')?.op, 'dense');
  assert.equal(f.nodes.length, g.nodes.length);
  assertSameOutputs(g, f, [s, bnv, other]);
});

test('every BN of a multi-exit graph is removed and every exit is unchanged', () => {
  const g = multiExitGraph(3);
  const f = foldBatchNorm(g);
  assert.ok(!ops(f).includes('batchNorm'));
  assert.ok(f.nodes.length < g.nodes.length);
  assertSameOutputs(g, f, g.exits.map((e) => e.tensor));
});

test('a non-affine BN (no gamma / beta, as in DARTS search cells) folds with gamma = 1, beta = 0', () => {
  const b = new GraphBuilder('x', [5, 5, 2], 12);
  const out = b.bn('bn', b.conv('c', 'x', { filters: 3 }));
  const g = b.build();
  const bn = g.nodes[1];
  assert.equal(bn.op, 'batchNorm');
  if (bn.op === 'batchNorm') {
    bn.attrs.affine = false;
    delete bn.weights.gamma;
    delete bn.weights.beta;
  }
  const f = foldBatchNorm(g);
  assert.deepEqual(ops(f), ['conv2d']);
  assertSameOutputs(g, f, [out]);
});
