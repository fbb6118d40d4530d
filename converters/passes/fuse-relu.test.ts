import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceForward } from '../reference/reference-forward.ts';
import { GraphBuilder, multiExitGraph, randomImage } from '../reference/test-graphs.ts';
import { foldBatchNorm } from './fold-batch-norm.ts';
import { fuseRelu } from './fuse-relu.ts';

test('relu folds into conv, dense and add; node count drops by the number fused', () => {
  const b = new GraphBuilder('x', [6, 6, 3]);
  const c = b.relu('cr', b.conv('c', 'x', { filters: 4, bias: true }));
  const s = b.relu('sr', b.sum('s', [c, c]));
  const v = b.relu('vr', b.dense('fc', b.gap('g', s), 3));
  const g = b.build();
  const f = fuseRelu(g);
  assert.equal(f.nodes.length, g.nodes.length - 3);
  assert.deepEqual(f.nodes.map((n) => `${n.name}:${n.op}:${'activation' in n.attrs ? n.attrs.activation : '-'}`), [
    'cr:conv2d:relu', 'sr:add:relu', 'g:globalAvgPool:-', 'vr:dense:relu',
  ]);
  const img = randomImage([6, 6, 3], 2);
  assert.deepEqual(referenceForward(f, img, [v]).get(v), referenceForward(g, img, [v]).get(v));
});

test('no fusion when the producer has another reader, or is a concat / pool / graph input', () => {
  const b = new GraphBuilder('x', [6, 6, 3]);
  const c = b.conv('c', 'x', { filters: 4 });
  const r1 = b.relu('r1', c);
  const other = b.sum('other', [c, r1]);
  const r2 = b.relu('r2', b.concat('cat', [other, 'x']));
  const r3 = b.relu('r3', 'x');
  const r4 = b.relu('r4', b.pool('mp', 'maxPool', r3));
  const g = b.build();
  const f = fuseRelu(g);
  assert.equal(f.nodes.length, g.nodes.length);
  assert.ok(f.nodes.every((n) => !('activation' in n.attrs) || n.attrs.activation === 'none'));
  const img = randomImage([6, 6, 3], 5);
  assert.deepEqual(referenceForward(f, img, [r2, r4]), referenceForward(g, img, [r2, r4]));
});

test('an exit read directly from a conv blocks fusing a relu on it', () => {
  const b = new GraphBuilder('x', [4, 4, 2]);
  const v = b.dense('fc', b.gap('g', 'x'), 3);
  b.relu('r', v);
  b.exit(v, 1);
  const f = fuseRelu(b.build());
  assert.deepEqual(f.nodes.map((n) => n.op), ['globalAvgPool', 'dense', 'relu']);
});

test('fold + fuse keep every exit of the multi-exit graph (within 1e-5) and remove the fused relus', () => {
  const g = multiExitGraph(4);
  const folded = foldBatchNorm(g);
  const f = fuseRelu(folded);
  assert.ok(f.nodes.length < folded.nodes.length);
  const wanted = g.exits.map((e) => e.tensor);
  const img = randomImage([8, 8, 3], 8);
  const a = referenceForward(g, img, wanted);
  const b2 = referenceForward(f, img, wanted);
  for (const t of wanted) {
    const x = a.get(t) as Float32Array;
    const y = b2.get(t) as Float32Array;
    const scale = Math.max(...Array.from(x, Math.abs));
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) <= 1e-5 * scale, `${t}[${i}]`));
  }
});
