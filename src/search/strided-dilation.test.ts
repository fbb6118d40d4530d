import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { buildTrainableGraph } from '../exec/trainable-graph.ts';
import { PRESETS } from '../model/presets.ts';
import { buildMsRanasSupernet } from '../model/supernet.ts';
import { singleThread } from '../train/gradient-engine.ts';
import { splitStridedDilation } from './strided-dilation.ts';

test('split strided dilation = stride-1 dilated conv subsampled at even rows/cols (PyTorch DilConv stride 2)', async () => {
  await initEngine();
  // 6×6 input, 3×3 kernel, dilation 2: PyTorch padding 2, stride 2 → output (i, j) centred at input (2i, 2j).
  const x = tf.tensor4d(Array.from({ length: 36 }, (_, i) => (i * 7) % 11), [1, 6, 6, 1]);
  const f = tf.tensor4d(Array.from({ length: 9 }, (_, i) => i - 4), [3, 3, 1, 1]);
  const y = tf.depthwiseConv2d(tf.pad(x, [[0, 0], [2, 2], [2, 2], [0, 0]]), f, 2, 'valid', 'NHWC', 2);
  const got = tf.maxPool(tf.depthwiseConv2d(tf.pad(x, [[0, 0], [2, 2], [2, 2], [0, 0]]), f, 1, 'valid', 'NHWC', 2), 1, 2, 'valid');
  assert.deepEqual(got.shape, [1, 3, 3, 1]);
  assert.deepEqual(await got.data(), await y.data());
});

test('the tiny supernet with a reduction layer runs a training step after the rewrite', async () => {
  await initEngine();
  const p = PRESETS.tiny;
  if (p.kind !== 'ms-ranas') return;
  const graph = splitStridedDilation(buildMsRanasSupernet({ ...p.config, initChannels: 4, inputShape: [16, 16, 3] }));
  // tiny: layer 3 reduces at 2 scales; per reduction cell 4 strided edges (nodes 0 and 1 from states 0, 1) × 2 dil convs.
  assert.equal(graph.meta.stridedDilationSplit, 16);
  const dp = singleThread(buildTrainableGraph({ graph, exitWeights: graph.exits.map(() => 1) }));
  const g = await dp.gradients(Float32Array.from({ length: 2 * 16 * 16 * 3 }, (_, i) => Math.sin(i * 0.37)), [2, 16, 16, 3], Int32Array.from([1, 2]), ['alpha/reduce']);
  assert.ok(Number.isFinite(g.total));
  assert.ok((g.grads.get('alpha/reduce') ?? []).some((v) => v !== 0));
  await dp.dispose();
});
