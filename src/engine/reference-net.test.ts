import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from './backend.ts';
import { tf } from './tf.ts';
import { buildReferenceNet } from './reference-net.ts';
import { mulberry32 } from '../rng.ts';

test('reference net inference (batch-norm folded into the pointwise conv) = conv then batch-norm, within 1e-5', async () => {
  await initEngine();
  const config = { channels: 5, blocks: 2, classes: 3, batchNorm: true, seed: 3 };
  const net = buildReferenceNet(config);
  const rand = mulberry32(9);
  const get = (name: string) => {
    const v = net.variables.get(name) ?? net.buffers.get(name);
    assert.ok(v, name);
    return v;
  };
  // Non-trivial statistics and affine parameters, so the fold has something to fold.
  for (let b = 0; b < config.blocks; b++) {
    for (const [name, lo, hi] of [['gamma', 0.5, 1.5], ['beta', -0.5, 0.5], ['mean', -0.3, 0.3], ['variance', 0.2, 2]] as const) {
      get(`block${b}/bn/${name}`).assign(tf.tensor1d(Float32Array.from({ length: config.channels }, () => lo + (hi - lo) * rand())));
    }
  }
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 3 }, () => rand() * 2 - 1), [2, 8, 8, 3]);
  const got = await net.predict(x).data();
  const expected = await tf.tidy(() => {
    let h = tf.conv2d(x, get('stem/w') as tf.Tensor4D, 1, 'same');
    for (let b = 0; b < config.blocks; b++) {
      const y = tf.conv2d(tf.depthwiseConv2d(tf.relu(h), get(`block${b}/dw`) as tf.Tensor4D, 1, 'same'), get(`block${b}/pw`) as tf.Tensor4D, 1, 'same');
      h = tf.add(h, tf.batchNorm(y, get(`block${b}/bn/mean`), get(`block${b}/bn/variance`), get(`block${b}/bn/beta`), get(`block${b}/bn/gamma`), 1e-3));
    }
    return tf.add(tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, get('fc/w') as tf.Tensor2D), get('fc/b'));
  }).data();
  let err = 0;
  let norm = 0;
  for (let i = 0; i < got.length; i++) {
    err += (got[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  assert.ok(Math.sqrt(err / norm) < 1e-5, `relative L2 error ${Math.sqrt(err / norm)}`);
  net.dispose();
});
