/**
 * Per-call cost of the native kernels whose speed depends on the shape (issue 22), on the tensorflow backend:
 * TensorFlow's FusedBatchNormGradV3 as is, and through the engine's kernel (which pads the channels to a multiple
 * of 4 from BN_GRAD_PAD_MIN_ROWS rows: src/engine/native/native-kernels.ts); MaxPool 3×3 forward and its gradient.
 * Each figure: mean of 40 calls after 5 warm-ups, reading the first output back (both contenders alike).
 *
 *   node --import tsx bench/native-kernel-shapes.ts
 */
import os from 'node:os';
import { initEngine } from '../src/engine/backend.ts';
import { tf } from '../src/engine/tf.ts';
import { nativeOps, type OpAttr } from '../src/engine/native/tfjs-node-internals.ts';
import { BN_TRAINING_GRAD } from '../src/engine/kernels/batch-norm-kernels.ts';
import { formatTable } from '../src/text-table.ts';

await initEngine('tensorflow');
const ops = nativeOps();
const bnAttrs: OpAttr[] = [
  { name: 'T', kind: 'type', value: 'float32' }, { name: 'U', kind: 'type', value: 'float32' }, { name: 'epsilon', kind: 'float', value: 1e-5 },
  { name: 'data_format', kind: 'string', value: 'NHWC' }, { name: 'is_training', kind: 'bool', value: true },
];
const empty = tf.zeros([0]);

function msPerCall(f: () => tf.Tensor[]): number {
  for (let i = 0; i < 5; i++) tf.dispose(f());
  const n = 40;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const out = f(); out[0].dataSync(); tf.dispose(out); }
  return Math.round(((performance.now() - t0) / n) * 100) / 100;
}

const load = () => os.loadavg()[0].toFixed(2);
const bn = [];
for (const [h, c] of [[32, 8], [32, 9], [32, 10], [32, 12], [32, 14], [16, 10], [16, 20], [16, 30], [8, 10], [8, 40]]) {
  const x = tf.randomNormal([64, h, h, c]);
  const dy = tf.randomNormal([64, h, h, c]);
  const gamma = tf.ones([c]);
  const fwd = ops.run('FusedBatchNormV3', [...bnAttrs, { name: 'exponential_avg_factor', kind: 'float', value: 1 }], [x, gamma, tf.zeros([c]), empty, empty], 6);
  const [mean, variance] = [fwd[3], fwd[4]];
  const tfMs = msPerCall(() => ops.run('FusedBatchNormGradV3', bnAttrs, [dy, x, gamma, mean, variance, empty], 5));
  const engineMs = msPerCall(() => tf.engine().runKernel(BN_TRAINING_GRAD, { dy, x, gamma, mean, variance }, { epsilon: 1e-5 }) as tf.Tensor[]);
  bn.push({ shape: `64x${h}x${h}x${c}`, 'TF grad ms': tfMs, 'engine grad ms': engineMs, load: load() });
  tf.dispose([x, dy, gamma, ...fwd]);
}
console.log('batch-norm gradient per call (engine: channels padded to a multiple of 4 from 64·16·16 rows):');
console.log(formatTable(bn));

const pool = [];
for (const [h, c, s] of [[32, 8, 1], [32, 16, 1], [16, 32, 1], [32, 16, 2], [16, 32, 2]]) {
  const x = tf.randomNormal([64, h, h, c]) as tf.Tensor4D;
  const y = tf.maxPool(x, 3, s, 'same');
  const dy = tf.randomNormal(y.shape);
  const forwardMs = msPerCall(() => [tf.maxPool(x, 3, s, 'same')]);
  const gradMs = msPerCall(() => [tf.grad((xx: tf.Tensor) => tf.maxPool(xx as tf.Tensor4D, 3, s, 'same'))(x, dy)]);
  pool.push({ shape: `64x${h}x${h}x${c} stride ${s}`, 'MaxPool ms': forwardMs, 'MaxPoolGrad ms': gradMs, ratio: Math.round((gradMs / forwardMs) * 10) / 10, load: load() });
  tf.dispose([x, y, dy]);
}
console.log('\nmax-pool 3×3 per call:');
console.log(formatTable(pool));
