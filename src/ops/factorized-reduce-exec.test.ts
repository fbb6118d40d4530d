// Executes the IR expansion of factorized reduce in the tfjs engine and compares it with DARTS's definition
// computed directly with a slice: conv_1(relu(x)) stride 2 and conv_2(relu(x)[:, 1:, 1:, :]) stride 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { createProgram } from '../exec/program.ts';
import { GraphBuilder } from '../ir/builder.ts';
import { factorizedReduce } from './darts-blocks.ts';

test('factorized reduce through the frozen shift equals DARTS slice semantics (executed, max |diff| ≤ 1e-6)', async () => {
  await initEngine();
  const b = new GraphBuilder('fr', 5);
  const x = b.input('image', [6, 6, 3]);
  const y = factorizedReduce.expand(b, x, { cOut: 4, stride: 2 });
  b.exit(b.dense(b.globalAvgPool(y), 2, 'logits'), 1);
  const g = b.build();
  const program = createProgram(g);
  const input = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const out = program.forward(input, { training: false, capture: ['conv1', 'conv2'] });
  const r = tf.relu(input) as tf.Tensor4D;
  const w1 = tf.tensor4d(g.weights['conv1/filter'].data, [1, 1, 3, 2]);
  const w2 = tf.tensor4d(g.weights['conv2/filter'].data, [1, 1, 3, 2]);
  const ref1 = tf.conv2d(r, w1, 2, 'valid');
  const ref2 = tf.conv2d(tf.slice(r, [0, 1, 1, 0], [2, 5, 5, 3]) as tf.Tensor4D, w2, 2, 'valid');
  const got1 = out.captured.get('conv1');
  const got2 = out.captured.get('conv2');
  assert.ok(got1 && got2);
  assert.deepEqual(got2.shape, [2, 3, 3, 2]);
  assert.ok(tf.max(tf.abs(tf.sub(got1, ref1))).dataSync()[0] <= 1e-6);
  assert.ok(tf.max(tf.abs(tf.sub(got2, ref2))).dataSync()[0] <= 1e-6);
  program.dispose();
});
