import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, type BackendName } from './backend.ts';
import { tf } from './tf.ts';
import { subsample } from './subsample.ts';

const active = (await initEngine()).backend;
const backends: BackendName[] = active === 'wasm' ? ['wasm'] : [active, 'wasm'];

/** Forward and the gradient of sum(subsample(x) · k) with k = 1, 2, 3, ... (so every output position is told apart). */
async function onBackend(b: BackendName, shape: [number, number, number, number], strides: [number, number]) {
  await tf.setBackend(b);
  const x = tf.tensor4d(Float32Array.from({ length: shape.reduce((a, c) => a * c, 1) }, (_, i) => Math.sin(i * 1.7)), shape);
  const y = subsample(x, strides);
  const weights = tf.reshape(tf.range(1, 1 + y.size), y.shape);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(subsample(t as tf.Tensor4D, strides), weights)))(x);
  const out = { y: { shape: y.shape, data: y.dataSync() }, dx: dx.dataSync() };
  tf.dispose([x, y, weights, dx]);
  return out;
}

test('subsample = x[:, ::sh, ::sw, :], and its gradient scatters dy to exactly those positions, on every backend', async () => {
  const cases: [[number, number, number, number], [number, number]][] = [[[4, 5, 7, 3], [2, 2]], [[2, 8, 8, 4], [2, 2]], [[1, 9, 6, 2], [3, 2]], [[2, 4, 5, 3], [1, 2]]];
  for (const b of backends) {
    for (const [shape, [sh, sw]] of cases) {
      const [n, h, w, c] = shape;
      const [ho, wo] = [Math.ceil(h / sh), Math.ceil(w / sw)];
      const r = await onBackend(b, shape, [sh, sw]);
      assert.deepEqual(r.y.shape, [n, ho, wo, c], `${b} ${shape}`);
      const at = (i: number, y: number, x: number, k: number) => ((i * h + y) * w + x) * c + k;
      const dx = new Float32Array(r.dx.length);
      let out = 0;
      for (let i = 0; i < n; i++) for (let y = 0; y < ho; y++) for (let x = 0; x < wo; x++) for (let k = 0; k < c; k++) {
        assert.equal(r.y.data[out], Math.fround(Math.sin(at(i, y * sh, x * sw, k) * 1.7)), `${b} ${shape} value ${out}`);
        dx[at(i, y * sh, x * sw, k)] = out + 1;
        out += 1;
      }
      assert.deepEqual(Array.from(r.dx), Array.from(dx), `${b} ${shape} s${sh}x${sw}: gradient`);
    }
  }
  await tf.setBackend(backends[0]);
});
