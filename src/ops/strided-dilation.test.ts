import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { depthwiseConv2d } from '../engine/conv.ts';
import { buildTrainableGraph } from '../exec/trainable-graph.ts';
import { PRESETS } from '../model/presets.ts';
import { buildMsRanasSupernet } from '../model/supernet.ts';
import { singleThread } from '../engine/single-thread.ts';

test('dil_conv at stride 2 as expanded (stride-1 same conv + 1x1 subsample) = PyTorch DilConv stride 2', async () => {
  await initEngine();
  // 6×6 input, 3×3 kernel, dilation 2: PyTorch padding 2, stride 2 → output (i, j) centred at input (2i, 2j).
  const x = tf.tensor4d(Array.from({ length: 36 }, (_, i) => (i * 7) % 11), [1, 6, 6, 1]);
  const f = tf.tensor4d(Array.from({ length: 9 }, (_, i) => i - 4), [3, 3, 1, 1]);
  const torch = tf.depthwiseConv2d(tf.pad(x, [[0, 0], [2, 2], [2, 2], [0, 0]]), f, 2, 'valid', 'NHWC', 2);
  const ours = tf.maxPool(depthwiseConv2d(x, f, { strides: [1, 1], padding: 'same', dilation: [2, 2] }), 1, 2, 'valid');
  assert.deepEqual(ours.shape, [1, 3, 3, 1]);
  assert.deepEqual(await ours.data(), await torch.data());
});

test('the tiny supernet has no strided dilation and trains through its reduction cells', async () => {
  await initEngine();
  const p = PRESETS.tiny;
  assert.equal(p.kind, 'ms-ranas');
  if (p.kind !== 'ms-ranas') return;
  const graph = buildMsRanasSupernet({ ...p.config, initChannels: 4, inputShape: [16, 16, 3] });
  const strided = graph.nodes.filter((n) => n.op === 'depthwiseConv2d' && n.attrs.dilation[0] > 1 && n.attrs.strides[0] > 1);
  assert.equal(strided.length, 0);
  const subsamples = graph.nodes.filter((n) => n.op === 'maxPool' && n.attrs.kernel[0] === 1 && n.attrs.strides[0] === 2);
  // tiny: one reduction layer at 2 scales; per reduction cell 4 strided edges × 2 dil convs.
  assert.equal(subsamples.length, 16);
  const dp = singleThread(buildTrainableGraph({ graph, exitWeights: graph.exits.map(() => 1) }));
  const g = await dp.gradients(Float32Array.from({ length: 2 * 16 * 16 * 3 }, (_, i) => Math.sin(i * 0.37)), [2, 16, 16, 3], Int32Array.from([1, 2]), ['alpha/reduce']);
  assert.ok(Number.isFinite(g.total));
  assert.ok((g.grads.get('alpha/reduce') ?? []).some((v) => v !== 0));
  await dp.dispose();
});
