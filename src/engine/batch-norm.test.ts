/**
 * The engine's training batch-norm (own kernels and gradient) against tfjs-core's composite
 * moments → batchNorm on the stock cpu backend: outputs, statistics and gradients of x, gamma, beta
 * within 1e-4 relative.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.ts';
import { relError } from './test-support.ts';
import { initEngine, type BackendName } from './backend.ts';
import { batchNormTraining } from './batch-norm.ts';
import { mulberry32, randomFloats } from './seeded-random.ts';

let fast: BackendName = 'wasm';
before(async () => {
  fast = (await initEngine()).backend;
  await import('@tensorflow/tfjs-backend-cpu');
});

const EPS = 1e-3;


async function matchesComposite(shape: [number, number, number, number]): Promise<void> {
  const rand = mulberry32(42);
  const size = shape.reduce((a, b) => a * b, 1);
  const xv = randomFloats(rand, size).map((v) => v * 3 + 1);
  const gv = randomFloats(rand, shape[3]);
  const bv = randomFloats(rand, shape[3]);
  const rv = randomFloats(rand, size);
  type Out = { y: Float32Array; mean: Float32Array; variance: Float32Array; dx: Float32Array; dg: Float32Array; db: Float32Array };
  const run = async (backend: string, own: boolean): Promise<Out> => {
    await tf.setBackend(backend);
    const out: Partial<Out> = {};
    tf.tidy(() => {
      const x = tf.tensor4d(xv, shape);
      const g = tf.tensor1d(gv);
      const b = tf.tensor1d(bv);
      const r = tf.tensor4d(rv, shape);
      const forward = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
        if (own) return batchNormTraining(xi as tf.Tensor4D, gi as tf.Tensor1D, bi as tf.Tensor1D, EPS);
        const m = tf.moments(xi, [0, 1, 2]);
        return { y: tf.batchNorm(xi as tf.Tensor4D, m.mean, m.variance, bi as tf.Tensor1D, gi as tf.Tensor1D, EPS), mean: m.mean, variance: m.variance };
      };
      const f = forward(x, g, b);
      out.y = new Float32Array(f.y.dataSync());
      out.mean = new Float32Array(f.mean.dataSync());
      out.variance = new Float32Array(f.variance.dataSync());
      const [dx, dg, db] = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(forward(xi, gi, bi).y, r)))([x, g, b]);
      out.dx = new Float32Array(dx.dataSync());
      out.dg = new Float32Array(dg.dataSync());
      out.db = new Float32Array(db.dataSync());
    });
    return out as Out;
  };
  const got = await run(fast, true);
  const want = await run('cpu', false);
  await tf.setBackend(fast);
  for (const key of ['y', 'mean', 'variance', 'dx', 'dg', 'db'] as const) {
    assert.ok(relError(got[key], want[key]) <= 1e-4, `${shape.join('x')} ${key}: relative error ${relError(got[key], want[key])}`);
  }
}

it('matches the composite batch norm and its gradients', () => matchesComposite([3, 5, 4, 7]));

// 10 channels over 64·16·16 rows: on the tensorflow backend the gradient runs on channels padded to 12
// (native-kernels.ts, BN_GRAD_PAD_MIN_ROWS); the padded channels must not leak into any output.
it('matches it where the native gradient pads the channels to a multiple of 4', () => matchesComposite([64, 16, 16, 10]));
