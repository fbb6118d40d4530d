/**
 * The native kernels (tensorflow backend only; skipped when tfjs-node does not load): the engine's
 * training batch-norm through FusedBatchNormV3/FusedBatchNormGradV3 against tfjs-core's composite
 * moments → batchNorm on the stock cpu backend (outputs, statistics, gradients of x, gamma, beta within
 * 1e-4 relative), and ReLU's gradient through ReluGrad against dy·step(x).
 */
import { before, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { initEngine } from '../backend.ts';
import { batchNormTraining } from '../batch-norm.ts';
import { mulberry32, randomFloats } from '../seeded-random.ts';
import { registerNativeKernels } from './register-native.ts';
import { RELU_GRAD } from './native-kernels.ts';

let native = false;
before(async () => {
  native = (await initEngine('tensorflow')).backend === 'tensorflow';
  if (native) registerNativeKernels();
  await import('@tensorflow/tfjs-backend-cpu');
});

function needsNative(t: TestContext): boolean {
  if (!native) t.skip('tfjs-node does not load (run `ranas setup native`)');
  return native;
}

function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let e = 0;
  let s = 1e-30;
  for (let i = 0; i < want.length; i++) {
    e = Math.max(e, Math.abs(got[i] - want[i]));
    s = Math.max(s, Math.abs(want[i]));
  }
  return e / s;
}

const EPS = 1e-3;

for (const shape of [[3, 5, 4, 7], [2, 3, 3, 16], [1, 6, 2, 3]] as [number, number, number, number][]) {
  it(`batch-norm training on FusedBatchNormV3/GradV3 matches the composite on cpu, x${JSON.stringify(shape)}`, async (t) => {
    if (!needsNative(t)) return;
    const c = shape[3];
    const rand = mulberry32(shape[0] * 100 + c);
    const size = shape.reduce((a, b) => a * b, 1);
    const xv = randomFloats(rand, size).map((v) => v * 3 + 1);
    const gv = randomFloats(rand, c);
    const bv = randomFloats(rand, c);
    const rv = randomFloats(rand, size);
    const run = async (backend: string, own: boolean): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const [x, r] = [tf.tensor4d(xv, shape), tf.tensor4d(rv, shape)];
        const [g, b] = [tf.tensor1d(gv), tf.tensor1d(bv)];
        const forward = (xi: tf.Tensor4D, gi: tf.Tensor1D, bi: tf.Tensor1D) => {
          if (own) return batchNormTraining(xi, gi, bi, EPS);
          const m = tf.moments(xi, [0, 1, 2]);
          return { y: tf.batchNorm(xi, m.mean, m.variance, bi, gi, EPS), mean: m.mean, variance: m.variance };
        };
        const f = forward(x, g, b);
        const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(forward(tf.reshape(xi, shape), tf.reshape(gi, [c]), tf.reshape(bi, [c])).y, r)))([x, g, b]);
        return [f.y, f.mean, f.variance, ...grads].map((v) => new Float32Array(v.dataSync()));
      });
    };
    const got = await run('tensorflow', true);
    const want = await run('cpu', false);
    await tf.setBackend('tensorflow');
    ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => {
      const e = relError(got[i], want[i]);
      assert.ok(e <= 1e-4, `${name}: relative error ${e} > 1e-4`);
    });
  });
}

it('ReLU gradient through ReluGrad equals dy·step(x)', async (t) => {
  if (!needsNative(t)) return;
  const rand = mulberry32(5);
  const xv = randomFloats(rand, 2 * 4 * 4 * 3).map((v) => (Math.abs(v) < 1e-3 ? 0.5 : v));
  const dyv = randomFloats(rand, xv.length);
  const dx = tf.tidy(() => {
    const x = tf.tensor4d(xv, [2, 4, 4, 3]);
    const dy = tf.tensor4d(dyv, [2, 4, 4, 3]);
    return tf.grad((xi: tf.Tensor) => tf.relu(xi))(x, dy).dataSync();
  });
  dx.forEach((v, i) => {
    const want = xv[i] > 0 ? dyv[i] : 0;
    assert.ok(v === want, `dx[${i}] = ${v}; expected ${want}`); // === : TF writes -0 where dy < 0 and x ≤ 0
  });
  assert.ok(tf.getKernel(RELU_GRAD, 'tensorflow'), `${RELU_GRAD} registered on tensorflow`);
});

it('native batch-norm training and inference leave no tensors behind', async (t) => {
  if (!needsNative(t)) return;
  await tf.setBackend('tensorflow');
  const x = tf.randomNormal([2, 4, 4, 3]) as tf.Tensor4D;
  const g = tf.ones([3]) as tf.Tensor1D;
  const b = tf.zeros([3]) as tf.Tensor1D;
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const held: tf.Tensor[] = []; // the batch statistics batchNormTraining keeps for the caller
    tf.tidy(() => {
      tf.grads((xi: tf.Tensor, gi: tf.Tensor) => {
        const r = batchNormTraining(tf.reshape(xi, [2, 4, 4, 3]), tf.reshape(gi, [3]), b, EPS);
        held.push(r.mean, r.variance);
        return tf.sum(r.y);
      })([x, g]);
      tf.batchNorm(x, tf.zeros([3]), tf.ones([3]), b, g, EPS);
    });
    tf.dispose(held);
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, g, b]);
});
