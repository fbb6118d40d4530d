import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.ts';
import { initEngine } from '../../src/engine/backend.ts';
import { referenceForward, referenceForwardFeeds } from './reference-forward.ts';
import { GraphBuilder, multiExitGraph, randomImage } from './test-graphs.ts';

before(async () => { await initEngine('cpu'); });

function maxRelErr(a: Float32Array, b: Float32Array | Float32Array[] | ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-6;
  const bb = b as ArrayLike<number>;
  for (let i = 0; i < a.length; i++) { err = Math.max(err, Math.abs(a[i] - bb[i])); scale = Math.max(scale, Math.abs(bb[i])); }
  return err / scale;
}

test('conv, dilated depthwise and pools match tfjs ops (TF same/valid padding, odd sizes, strides)', () => {
  for (const [size, stride, dilation, padding] of [[7, 2, 1, 'same'], [8, 1, 2, 'same'], [9, 2, 1, 'valid'], [6, 1, 1, 'same']] as const) {
    const b = new GraphBuilder('x', [size, size, 3], size);
    const c = b.conv('c', 'x', { filters: 5, kernel: 3, stride, dilation, padding, bias: true });
    const d = b.dw('d', 'x', { kernel: 3, stride, dilation, padding, bias: true });
    const mp = b.pool('mp', 'maxPool', 'x', 3, stride, padding);
    const ap = b.pool('ap', 'avgPool', 'x', 3, stride, padding);
    const g = b.build();
    const img = randomImage([size, size, 3], 3);
    const out = referenceForward(g, img, [c, d, mp, ap]);
    const x = tf.tensor4d(img, [1, size, size, 3]);
    const w = (n: string) => tf.tensor(g.weights[n].data, g.weights[n].shape);
    const exp = {
      c: tf.add(tf.conv2d(x, w('c/filter') as tf.Tensor4D, stride, padding, 'NHWC', dilation), w('c/bias')),
      d: tf.add(tf.depthwiseConv2d(x, w('d/filter') as tf.Tensor4D, stride, padding, 'NHWC', dilation), w('d/bias')),
      mp: tf.maxPool(x, 3, stride, padding),
      ap: tf.avgPool(x, 3, stride, padding),
    };
    for (const [name, t] of Object.entries(exp)) {
      const got = out.get(name) as Float32Array;
      const want = t.dataSync() as Float32Array;
      assert.equal(got.length, want.length, `${name} size`);
      assert.ok(maxRelErr(got, want) < 1e-5, `${name} size=${size} stride=${stride} dilation=${dilation} ${padding}: ${maxRelErr(got, want)}`);
    }
  }
});

test('batch-norm (eval), gap, dense, add, concat match tfjs', () => {
  const b = new GraphBuilder('x', [4, 4, 3], 5);
  const bn = b.bn('bn', 'x');
  const s = b.sum('s', ['x', bn]);
  const cat = b.concat('cat', [s, 'x']);
  const fc = b.dense('fc', b.gap('gap', cat), 4);
  const g = b.build();
  const img = randomImage([4, 4, 3], 9);
  const out = referenceForward(g, img, [fc, cat]);
  const w = (n: string) => tf.tensor1d(g.weights[n].data);
  const x = tf.tensor4d(img, [1, 4, 4, 3]);
  const bnT = tf.batchNorm(x, w('bn/movingMean'), w('bn/movingVariance'), w('bn/beta'), w('bn/gamma'), 1e-5);
  const catT = tf.concat([tf.add(x, bnT), x], 3);
  const fcT = tf.add(tf.matMul(tf.mean(catT, [1, 2]), tf.tensor(g.weights['fc/kernel'].data, [6, 4])), w('fc/bias'));
  assert.ok(maxRelErr(out.get(cat) as Float32Array, catT.dataSync()) < 1e-5);
  assert.ok(maxRelErr(out.get(fc) as Float32Array, fcT.dataSync()) < 1e-5);
});

test('feeding intermediate tensors computes only what is downstream of them', () => {
  const g = multiExitGraph(2);
  const img = randomImage([8, 8, 3], 1);
  const full = referenceForward(g, img, ['l2/s2/fr/bn', 'exit1/fc']);
  // feed the two tensors exit 1 needs from layer 2's scale-1 cut... start from fr/bn and recompute exit1
  const partial = referenceForwardFeeds(g, new Map([['l2/s2/fr/bn', full.get('l2/s2/fr/bn') as Float32Array]]), ['exit1/fc']);
  assert.deepEqual(partial.get('exit1/fc'), full.get('exit1/fc'));
  assert.throws(() => referenceForward(g, new Float32Array(5), ['exit0/fc']), /192 values\) but 5 values/);
  assert.throws(() => referenceForward(g, img, ['nope']), (e: Error) => /tensor nope/.test(e.message));
});

test('mixedOp is the softmax(alpha[row])-weighted sum over its non-none primitives', () => {
  const b = new GraphBuilder('x', [2, 2, 1], 3);
  const r = b.relu('r', 'x');
  const p = b.pool('p', 'maxPool', 'x', 2, 1);
  const g = b.build();
  g.weights.alpha = { shape: [2, 3], trainable: true, data: Float32Array.from([9, 9, 9, 0.5, -1, 2]) };
  g.nodes.push({ name: 'mix', op: 'mixedOp', inputs: [r, p], attrs: { alpha: 'alpha', row: 1, primitives: ['relu', 'none', 'max'] }, weights: {} });
  const img = Float32Array.from([-1, 2, 3, -4]);
  const out = referenceForward(g, img, ['mix', r, p]);
  const e = [Math.exp(0.5), Math.exp(-1), Math.exp(2)];
  const sum = e[0] + e[1] + e[2];
  const rv = out.get(r) as Float32Array;
  const pv = out.get(p) as Float32Array;
  (out.get('mix') as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - ((e[0] / sum) * rv[i] + (e[2] / sum) * pv[i])) < 1e-6));
});
