/**
 * The one module that touches tfjs-node's internals: it runs TensorFlow ops with typed attributes on the
 * tensorflow backend and refuses any other backend with E_NATIVE_INTERNALS.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { initEngine } from '../backend.ts';
import { isRanasError } from '../../errors.ts';
import { nativeOps } from './tfjs-node-internals.ts';

let native = false;
before(async () => {
  native = (await initEngine('tensorflow')).backend === 'tensorflow';
  await import('@tensorflow/tfjs-backend-cpu');
});

it('runs TensorFlow ops by name with type, int-list, string and bool attributes', { skip: false }, async (t) => {
  if (!native) return t.skip('tfjs-node does not load');
  await tf.setBackend('tensorflow');
  const ops = nativeOps();
  assert.match(ops.tensorflowVersion, /^\d+\.\d+/);
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const b = tf.tensor2d([[10, 20], [30, 40]]);
  const [sum] = ops.run('AddV2', [{ name: 'T', kind: 'type', value: 'float32' }], [a, b], 1);
  assert.deepEqual(Array.from(sum.dataSync()), [11, 22, 33, 44]);
  const [prod] = ops.run('MatMul', [{ name: 'T', kind: 'type', value: 'float32' }, { name: 'transpose_a', kind: 'bool', value: true }, { name: 'transpose_b', kind: 'bool', value: false }], [a, b], 1);
  assert.deepEqual(Array.from(prod.dataSync()), [100, 140, 140, 200]); // aᵀ·b
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const [pooled] = ops.run('MaxPool', [
    { name: 'T', kind: 'type', value: 'float32' },
    { name: 'ksize', kind: 'int', value: [1, 2, 2, 1] },
    { name: 'strides', kind: 'int', value: [1, 1, 1, 1] },
    { name: 'padding', kind: 'string', value: 'VALID' },
  ], [x], 1);
  assert.deepEqual(Array.from(pooled.dataSync()), [5, 6, 8, 9]);
  tf.dispose([a, b, sum, prod, x, pooled]);
});

it('refuses a backend that is not tfjs-node', async () => {
  await tf.setBackend('cpu');
  assert.throws(() => nativeOps(), (e: unknown) => isRanasError(e, 'E_NATIVE_INTERNALS'));
  assert.throws(() => nativeOps({ executeMultipleOutputs: () => [], binding: {} }), (e: unknown) => isRanasError(e, 'E_NATIVE_INTERNALS') && /TF_ATTR_TYPE/.test(e.message));
  if (native) await tf.setBackend('tensorflow');
});
