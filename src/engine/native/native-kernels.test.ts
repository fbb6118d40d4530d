/**
 * The native kernels and gradients (tensorflow backend only; skipped when tfjs-node does not load): the
 * engine's training batch-norm through FusedBatchNormV3/FusedBatchNormGradV3 against tfjs-core's
 * composite moments → batchNorm on the stock cpu backend (outputs, statistics, gradients of x, gamma, beta
 * within 1e-4 relative), ReLU's gradient through ReluGrad against dy·step(x), Mean's tiled gradient
 * against the stock one on cpu, and a reference-net training step that runs those kernels and not the
 * JS batch-norm ones or a full-size ones tensor.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { relError, useNativeEngine } from '../test-support.ts';
import { batchNormTraining } from '../batch-norm.ts';
import { meanCrossEntropy } from '../cross-entropy.ts';
import { mulberry32, randomFloats } from '../seeded-random.ts';
import { registerNativeKernels } from './register-native.ts';
import { RELU_GRAD } from './native-kernels.ts';
import { BN_APPLY, BN_GRAD_INPUT, BN_GRAD_SUMS, BN_TRAINING, BN_TRAINING_GRAD, CHANNEL_MOMENTS } from '../kernels/batch-norm-kernels.ts';
import { buildReferenceNet } from '../reference-net.ts';
import { shardGradients } from '../replica.ts';
import { syntheticBatch } from '../synthetic-batch.ts';

const needsNative = useNativeEngine(registerNativeKernels);


const EPS = 1e-3;

it('mean cross-entropy through SparseSoftmaxCrossEntropyWithLogits equals the composite on cpu (value and logits gradient, scaled dy)', async (t) => {
  if (!needsNative(t)) return;
  const rand = mulberry32(9);
  const lv = randomFloats(rand, 5 * 7).map((v) => v * 6);
  const labels = [0, 3, 6, 2, 3];
  const run = async (backend: string): Promise<Float32Array[]> => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const indices = tf.tensor1d(labels, 'int32');
      const f = (l: tf.Tensor) => tf.mul(meanCrossEntropy(l as tf.Tensor2D, indices), 2.5);
      const logits = tf.tensor2d(lv, [5, 7]);
      const [g] = tf.grads(f)([logits]);
      return [f(logits), g].map((v) => new Float32Array(v.dataSync()));
    });
  };
  const got = await run('tensorflow');
  const want = await run('cpu');
  await tf.setBackend('tensorflow');
  assert.ok(relError(got[0], want[0]) <= 1e-6, `loss ${got[0][0]} vs ${want[0][0]}`);
  assert.ok(relError(got[1], want[1]) <= 1e-5, `gradient relative error ${relError(got[1], want[1])}`);
  assert.ok(got[0][0] > 1, 'loss of random logits should be well above 1');
});

it('batch-norm running statistics updated inside FusedBatchNormV3 equal momentum·running + (1 − momentum)·batch (unbiased variance) on cpu', async (t) => {
  if (!needsNative(t)) return;
  const shape: [number, number, number, number] = [3, 4, 5, 6];
  const rand = mulberry32(77);
  const xv = randomFloats(rand, 3 * 4 * 5 * 6).map((v) => v * 2 + 0.5);
  const mv = randomFloats(rand, 6);
  const vv = randomFloats(rand, 6).map((v) => v + 1.5);
  const run = async (backend: string): Promise<Float32Array[]> => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const r = batchNormTraining(tf.tensor4d(xv, shape), tf.ones([6]), tf.zeros([6]), EPS, { mean: tf.tensor1d(mv), variance: tf.tensor1d(vv), momentum: 0.9 });
      if (!r.runningMean || !r.runningVariance) throw new Error('no running statistics returned');
      return [r.runningMean, r.runningVariance, r.mean, r.variance].map((v) => new Float32Array(v.dataSync()));
    });
  };
  const got = await run('tensorflow');
  const want = await run('cpu'); // composed way: statistics kernel, then the update as tensor ops
  await tf.setBackend('tensorflow');
  const n = 3 * 4 * 5;
  const direct = tf.tidy(() => {
    const m = tf.moments(tf.tensor4d(xv, shape), [0, 1, 2]);
    return [
      tf.add(tf.mul(tf.tensor1d(mv), 0.9), tf.mul(m.mean, 0.1)),
      tf.add(tf.mul(tf.tensor1d(vv), 0.9), tf.mul(m.variance, 0.1 * n / (n - 1))),
    ].map((v) => new Float32Array(v.dataSync()));
  });
  ['runningMean', 'runningVariance', 'mean', 'variance'].forEach((name, i) => {
    const e = relError(got[i], want[i]);
    assert.ok(e <= 1e-5, `${name}: fused vs composed relative error ${e} > 1e-5`);
  });
  assert.ok(relError(got[0], direct[0]) <= 1e-5 && relError(got[1], direct[1]) <= 1e-5, 'running statistics differ from the formula');
  assert.ok(relError(got[1], vv) > 1e-3, 'running variance did not move');
});

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

for (const [axis, keepDims] of [[null, false], [[1, 2], false], [0, true], [[-1], false]] as [number | number[] | null, boolean][]) {
  it(`Mean's gradient on tensorflow (tiled dy/count) equals the stock gradient on cpu, axis ${JSON.stringify(axis)} keepDims ${keepDims}`, async (t) => {
    if (!needsNative(t)) return;
    const shape: [number, number, number, number] = [2, 3, 4, 5];
    const rand = mulberry32(17);
    const xv = randomFloats(rand, 120);
    const wv = randomFloats(rand, 120);
    const grad = async (backend: string): Promise<Float32Array> => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const mean = (x: tf.Tensor) => tf.mean(x, axis ?? undefined, keepDims);
        const outShape = mean(tf.zeros(shape)).shape;
        // A weighted sum after the mean, so dy differs from element to element.
        const weights = tf.tensor(wv.slice(0, outShape.reduce((p, d) => p * d, 1)), outShape);
        return new Float32Array(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(mean(x), weights)))(tf.tensor4d(xv, shape)).dataSync());
      });
    };
    const got = await grad('tensorflow');
    const want = await grad('cpu');
    await tf.setBackend('tensorflow');
    assert.ok(relError(got, want) <= 1e-6, `relative error ${relError(got, want)}`);
  });
}

it('a reference-net training step on tensorflow runs the fused batch-norm, ReluGrad and a tiled Mean gradient', async (t) => {
  if (!needsNative(t)) return;
  await tf.setBackend('tensorflow');
  const net = buildReferenceNet({ channels: 4, blocks: 2, classes: 10, batchNorm: true, seed: 2 });
  const b = syntheticBatch(4, 1);
  const { kernels } = await tf.profile(() => {
    shardGradients(net, b.x, b.shape, b.labels);
  });
  net.dispose();
  const names = new Set(kernels.map((k) => k.name));
  for (const k of [BN_TRAINING, BN_TRAINING_GRAD, RELU_GRAD, 'Tile']) assert.ok(names.has(k), `${k} not run; ran ${[...names].join(', ')}`);
  for (const k of [CHANNEL_MOMENTS, BN_APPLY, BN_GRAD_SUMS, BN_GRAD_INPUT]) assert.ok(!names.has(k), `JS batch-norm kernel ${k} ran on tensorflow`);
  // The stock Mean gradient multiplies dy by a full-size ones tensor: no Multiply may take an input of x's size.
  const full = b.shape[0] * 32 * 32 * 4;
  const big = kernels.filter((k) => k.name === 'Multiply' && k.inputShapes.some((s) => s && s.reduce((p, d) => p * d, 1) >= full));
  assert.equal(big.length, 0, `full-size Multiply: ${JSON.stringify(big.map((k) => k.inputShapes))}`);
});
