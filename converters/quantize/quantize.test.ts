import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../../src/errors.ts';
import type { ModelGraph } from '../../src/ir/types.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import { GraphBuilder, multiExitGraph, randomImage } from '../reference/test-graphs.ts';
import { calibrate } from './calibrate.ts';
import { chooseQuantParams, symmetricScale } from './quant-params.ts';
import { checkQuantizedGraph, quantizeGraph } from './quantize.ts';

function prepared(g: ModelGraph, images = 6) {
  const ready = fuseRelu(foldBatchNorm(g));
  const imgs = Array.from({ length: images }, (_, i) => randomImage(ready.inputs[0].shape, 100 + i));
  const ranges = calibrate(ready, imgs, { method: 'minmax', minImages: images });
  return { ready, ranges, q: quantizeGraph(ready, ranges) };
}

test('chooseQuantParams widens the range to include 0 and represents 0 exactly', () => {
  const a = chooseQuantParams(0.5, 2);
  assert.equal(a.zeroPoint, -128);
  assert.equal(a.scale, Math.fround(2 / 255));
  const b = chooseQuantParams(-3, -1);
  assert.equal(b.zeroPoint, 127);
  const c = chooseQuantParams(-1, 3);
  assert.ok(Number.isInteger(c.zeroPoint) && c.zeroPoint > -128 && c.zeroPoint < 127);
  assert.ok(Math.abs(c.scale * (-128 - c.zeroPoint) - -1) < c.scale, 'min representable within a step');
  assert.equal(c.zeroPoint, Math.round(-128 + 1 / c.scale));
  assert.deepEqual(chooseQuantParams(0, 0), { scale: 1, zeroPoint: 0 });
  // a vanishing range still gets a normal float32 scale
  const tiny = chooseQuantParams(0, 1e-30);
  assert.equal(tiny.scale, Math.fround(1e-12));
  assert.equal(symmetricScale(1e-30), Math.fround(1e-12));
  assert.equal(symmetricScale(0), 1);
});

test('weights: per-channel symmetric for conv/depthwise, per-tensor for dense, dequantised within half a step', () => {
  const { ready, q } = prepared(multiExitGraph(5));
  let checked = 0;
  for (const node of ready.nodes) {
    if (node.op !== 'conv2d' && node.op !== 'depthwiseConv2d' && node.op !== 'dense') continue;
    const name = (node.op === 'dense' ? node.weights.kernel : node.weights.filter) as string;
    const w = q.weights[name];
    const data = ready.weights[name].data;
    const channels = node.op === 'conv2d' ? node.attrs.filters : node.op === 'depthwiseConv2d' ? ready.weights[name].shape[2] : 1;
    assert.equal(w.scales.length, channels, `${node.name} scale count`);
    assert.equal(w.axis, node.op === 'dense' ? 1 : 3);
    assert.ok(w.values instanceof Int8Array);
    const peak = new Array(channels).fill(0);
    data.forEach((v, i) => {
      const c = i % channels;
      const s = w.scales[c];
      assert.ok(Math.abs(w.values[i] * s - v) <= s / 2 + 1e-7 * Math.abs(v), `${name}[${i}]`);
      assert.ok(w.values[i] >= -127 && w.values[i] <= 127);
      peak[c] = Math.max(peak[c], Math.abs(w.values[i]));
    });
    assert.ok(peak.every((p) => p === 127), `${node.name}: every channel uses the full range`);
    checked++;
    if (!node.weights.bias) continue;
    // int32 bias with scale s_in * s_w[c]
    const b = q.weights[node.weights.bias as string];
    assert.ok(b.values instanceof Int32Array);
    const sIn = q.activations[node.inputs[0]].scale;
    b.scales.forEach((s, c) => assert.ok(Math.abs(s - sIn * w.scales[c]) <= 1e-6 * s));
    const bias = ready.weights[node.weights.bias as string].data;
    bias.forEach((v, c) => assert.ok(Math.abs(b.values[c] * b.scales[b.scales.length === 1 ? 0 : c] - v) <= b.scales[b.scales.length === 1 ? 0 : c] / 2 + 1e-7 * Math.abs(v)));
  }
  assert.ok(checked >= 10);
});

test('concat inputs and output share one quantisation covering the union range; pools and the mean keep their input quantisation', () => {
  const { ready, ranges, q } = prepared(multiExitGraph(6));
  let concats = 0;
  for (const node of ready.nodes) {
    if (node.op === 'concat') {
      concats++;
      const out = q.activations[node.name];
      for (const t of node.inputs) assert.deepEqual(q.activations[t], out, `${node.name} input ${t}`);
      const lo = Math.min(...node.inputs.map((t) => ranges[t].min), 0);
      const hi = Math.max(...node.inputs.map((t) => ranges[t].max), 0);
      assert.ok(out.scale * (-128 - out.zeroPoint) <= lo + out.scale, `${node.name} covers min`);
      assert.ok(out.scale * (127 - out.zeroPoint) >= hi - out.scale, `${node.name} covers max`);
    }
    if (node.op === 'maxPool' || node.op === 'avgPool' || node.op === 'globalAvgPool') {
      assert.deepEqual(q.activations[node.inputs[0]], q.activations[node.name], node.name);
    }
  }
  assert.ok(concats >= 3);
});

test('a fused relu puts the output zero point at -128 (the clamp is at the zero point)', () => {
  const { ready, q } = prepared(multiExitGraph(7));
  const fused = ready.nodes.filter((n) => 'activation' in n.attrs && n.attrs.activation === 'relu');
  assert.ok(fused.length >= 2);
  const shared = new Set(ready.nodes.filter((n) => n.op === 'concat').flatMap((n) => n.inputs));
  for (const n of fused) if (!shared.has(n.name)) assert.equal(q.activations[n.name].zeroPoint, -128, n.name);
});

test('the converter checks bias scale = s_in * s_w and names the node when it does not hold', () => {
  const { q } = prepared(multiExitGraph(8));
  const bad = { ...q, weights: { ...q.weights } };
  const name = 'l1/s2/conv/folded/bias';
  const b = bad.weights[name];
  const scales = Float32Array.from(b.scales);
  scales[2] *= 1.001;
  bad.weights[name] = { ...b, scales };
  assert.throws(() => checkQuantizedGraph(bad), (e: unknown) =>
    isRanasError(e, 'E_QUANT_BIAS_SCALE') && e.details.node === 'l1/s2/relu' && /channel 2/.test(e.message));
  const shared = { ...q, activations: { ...q.activations, 'l2/s2/cell/out': { scale: 0.5, zeroPoint: 3 } } };
  assert.throws(() => checkQuantizedGraph(shared), (e: unknown) => isRanasError(e, 'E_QUANT_SHARED'));
});

test('bad input: an unfolded batch-norm or a missing range is an error naming the node / tensor', () => {
  const g = multiExitGraph(9);
  assert.throws(() => quantizeGraph(g, {}), (e: unknown) => isRanasError(e, 'E_CONVERT_OP') && e.details.node === 'l1/s1/bn' && /batchNorm/.test(e.message));
  const b = new GraphBuilder('x', [4, 4, 2]);
  b.conv('c', 'x', { filters: 2 });
  assert.throws(() => quantizeGraph(b.build(), { x: { min: -1, max: 1 } }), (e: unknown) => isRanasError(e, 'E_QUANT_RANGE') && e.details.tensor === 'c');
});
