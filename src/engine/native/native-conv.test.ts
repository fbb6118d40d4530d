/**
 * Dilated conv2d and depthwise conv on the tensorflow backend (skipped when tfjs-node does not load):
 * outputs and gradients of x and filter against the engine's spaceToBatchND version on the stock cpu
 * backend, within 1e-4 relative. The depthwise case is the one TF's CPU backprop kernels get silently
 * wrong (they ignore `dilations`): a second test shows TF's own backprop is off, so the first test is
 * known to catch it if the zero-inserted-filter workaround is dropped.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { relError, useNativeEngine } from '../test-support.ts';
import { conv2d, depthwiseConv2d, type ConvOptions } from '../conv.ts';
import { mulberry32, randomFloats } from '../seeded-random.ts';
import { nativeConv2d, nativeDepthwiseConv2d, zeroInsertedFilter, type DepthwiseDilationBackprop } from './native-conv.ts';

/** The strategy under test (a scratch run sets 'tf-native' here to see the first depthwise tests fail). */
const DEPTHWISE_BACKPROP: DepthwiseDilationBackprop = 'zero-inserted-filter';

const needsNative = useNativeEngine();


interface Case {
  depthwise: boolean;
  x: [number, number, number, number];
  k: number;
  dilation: number;
  padding: 'same' | 'valid';
  cout: number;
}

const CASES: Case[] = [
  { depthwise: true, x: [2, 9, 8, 5], k: 3, dilation: 2, padding: 'same', cout: 5 },
  { depthwise: true, x: [1, 11, 10, 3], k: 3, dilation: 2, padding: 'valid', cout: 3 },
  { depthwise: true, x: [3, 7, 9, 4], k: 5, dilation: 2, padding: 'same', cout: 4 },
  { depthwise: false, x: [2, 9, 8, 5], k: 3, dilation: 2, padding: 'same', cout: 6 },
  { depthwise: false, x: [1, 10, 11, 3], k: 3, dilation: 2, padding: 'valid', cout: 4 },
];

/** y, dL/dx, dL/dfilter of L = Σ y·r on `backend`. */
async function run(c: Case, backend: string, conv: (x: tf.Tensor4D, f: tf.Tensor4D, o: ConvOptions) => tf.Tensor4D, seed: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const rand = mulberry32(seed);
  const fShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.depthwise ? 1 : c.cout];
  const o: ConvOptions = { strides: [1, 1], padding: c.padding, dilation: [c.dilation, c.dilation] };
  return tf.tidy(() => {
    const x = tf.tensor4d(randomFloats(rand, c.x.reduce((a, b) => a * b, 1)), c.x);
    const f = tf.tensor4d(randomFloats(rand, fShape.reduce((a, b) => a * b, 1)), fShape);
    const y = conv(x, f, o);
    const r = tf.tensor4d(randomFloats(rand, y.size), [y.shape[0], y.shape[1], y.shape[2], y.shape[3]]);
    const [dx, df] = tf.grads((xi: tf.Tensor, fi: tf.Tensor) => tf.sum(tf.mul(conv(tf.reshape(xi, c.x), tf.reshape(fi, fShape), o), r)))([x, f]);
    return [y, dx, df].map((t) => new Float32Array(t.dataSync()));
  });
}

function name(c: Case): string {
  return `${c.depthwise ? 'depthwise' : 'conv2d'} x${JSON.stringify(c.x)} k${c.k} d${c.dilation} ${c.padding}`;
}

for (const [i, c] of CASES.entries()) {
  it(`${name(c)}: output and gradients match the cpu reference`, async (t) => {
    if (!needsNative(t)) return;
    const conv = c.depthwise ? (x: tf.Tensor4D, f: tf.Tensor4D, o: ConvOptions) => nativeDepthwiseConv2d(x, f, o, DEPTHWISE_BACKPROP) : nativeConv2d;
    const got = await run(c, 'tensorflow', conv, i + 1);
    const want = await run(c, 'cpu', c.depthwise ? depthwiseConv2d : conv2d, i + 1);
    await tf.setBackend('tensorflow');
    ['y', 'dx', 'dfilter'].forEach((what, j) => {
      const e = relError(got[j], want[j]);
      assert.ok(e <= 1e-4, `${what}: relative error ${e} > 1e-4`);
    });
  });
}

it("TF's own depthwise backprop ignores dilation (why the workaround exists)", async (t) => {
  if (!needsNative(t)) return;
  const c = CASES[0];
  const got = await run(c, 'tensorflow', (x, f, o) => nativeDepthwiseConv2d(x, f, o, 'tf-native'), 1);
  const want = await run(c, 'cpu', depthwiseConv2d, 1);
  await tf.setBackend('tensorflow');
  assert.ok(relError(got[0], want[0]) <= 1e-4, 'the forward pass is right');
  // If this fails, TF fixed its kernels and the zero-inserted filter could go.
  assert.ok(relError(got[2], want[2]) > 1e-2, 'TF dilated depthwise filter gradient unexpectedly correct');
});

it('zero-inserted filter puts the taps d apart', () => {
  const f = tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]);
  const dense = zeroInsertedFilter(f, [2, 3]);
  assert.deepEqual(dense.shape, [3, 4, 1, 1]);
  assert.deepEqual(Array.from(dense.dataSync()), [1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4]);
  tf.dispose([f, dense]);
});
