import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelGraph } from '../../src/ir/types.ts';
import type { QuantizedGraph } from '../quant-types.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { dequantizeTensor, quantizeTensor } from '../quantize/quant-params.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { integerForward, integerForwardFeeds } from './integer-forward.ts';
import { referenceForward } from './reference-forward.ts';
import { GraphBuilder, multiExitGraph, randomImage } from './test-graphs.ts';

/** Folded, fused and quantised, calibrated on images of seeds 1..`images` (the tests run on these seeds, so no tensor saturates). */
function quantized(g: ModelGraph, images = 8): QuantizedGraph {
  const ready = fuseRelu(foldBatchNorm(g));
  const imgs = Array.from({ length: images }, (_, i) => randomImage(ready.inputs[0].shape, 1 + i));
  return quantizeGraph(ready, calibrate(ready, imgs, { method: 'minmax', minImages: images }));
}

/**
 * Largest |dequantised int8 - fp32| over the wanted tensors, in output steps. fp32 runs on the dequantised
 * int8 input, so only the op's own weight and output rounding is measured.
 */
function maxStepError(q: QuantizedGraph, wanted: string[], seeds: number[]): number {
  let worst = 0;
  const input = q.graph.inputs[0];
  for (const seed of seeds) {
    const xq = quantizeTensor(randomImage(input.shape, seed), q.activations[input.name]);
    const x = dequantizeTensor(xq, q.activations[input.name]);
    const fp = referenceForward(q.graph, x, wanted);
    const iq = integerForward(q, xq, wanted);
    for (const t of wanted) {
      const a = q.activations[t];
      const deq = dequantizeTensor(iq.get(t) as Int8Array, a);
      const ref = fp.get(t) as Float32Array;
      deq.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - ref[i]) / a.scale); });
    }
  }
  return worst;
}

test('each int8 kernel agrees with fp32 within a few output steps (conv, dilated depthwise, dense, add, concat, pools, mean, relu)', () => {
  const cases: [string, (b: GraphBuilder) => string, number][] = [
    ['conv same stride 2', (b) => b.conv('t', 'x', { filters: 5, stride: 2, bias: true }), 1.5],
    ['conv valid dilation 2 + relu', (b) => b.relu('t', b.conv('c', 'x', { filters: 4, dilation: 2, padding: 'valid', bias: true })), 1.5],
    ['depthwise dilated 5x5', (b) => b.dw('t', 'x', { kernel: 5, dilation: 2, bias: true }), 1.5],
    // the mean's own rounding (half a step of its input) propagates through the dense layer
    ['dense after mean', (b) => b.dense('t', b.gap('g', 'x'), 4), 4],
    // adds see the rounding of the conv output they read as well as their own
    ['add of differently scaled inputs + relu', (b) => b.relu('t', b.sum('s', [b.conv('c', 'x', { filters: 3, bias: true }), 'x'])), 2],
    ['add of three inputs', (b) => b.sum('t', ['x', b.conv('c', 'x', { filters: 3 }), b.dw('d', 'x', {})]), 2.5],
    ['concat', (b) => b.concat('t', [b.conv('c', 'x', { filters: 2 }), 'x']), 1.5],
    ['max pool', (b) => b.pool('t', 'maxPool', 'x', 3, 2), 0.51],
    ['avg pool same (padding not counted)', (b) => b.pool('t', 'avgPool', 'x', 3, 1), 0.51],
    ['global mean', (b) => b.gap('t', 'x'), 0.51],
    ['standalone relu', (b) => b.relu('t', 'x'), 0.51],
  ];
  for (const [label, build, tolerance] of cases) {
    const b = new GraphBuilder('x', [7, 7, 3], 11);
    const out = build(b);
    const q = quantized(b.build());
    const err = maxStepError(q, [out], [1, 2, 3]);
    assert.ok(err <= tolerance, `${label}: ${err.toFixed(3)} output steps (allowed ${tolerance})`);
  }
});

test('avg pool and mean round (sum ± count/2) / count truncated; a mean with other parameters is requantised', () => {
  const b = new GraphBuilder('x', [2, 2, 1]);
  b.pool('ap', 'avgPool', 'x', 2, 2, 'valid');
  b.gap('m', 'x');
  const g = b.build();
  const q: QuantizedGraph = { graph: g, weights: {}, activations: { x: { scale: 0.1, zeroPoint: 0 }, ap: { scale: 0.1, zeroPoint: 0 }, m: { scale: 0.1, zeroPoint: 0 } } };
  const run = (v: number[]) => {
    const r = integerForward(q, Int8Array.from(v), ['ap', 'm']);
    return [(r.get('ap') as Int8Array)[0], (r.get('m') as Int8Array)[0]];
  };
  assert.deepEqual(run([1, 2, 1, 2]), [2, 2]); // 1.5 → 2
  assert.deepEqual(run([-1, -2, -1, -2]), [-2, -2]); // -1.5 → -2
  assert.deepEqual(run([-3, -2, -2, -2]), [-2, -2]); // -2.25 → -2
  assert.deepEqual(run([-3, -3, -2, -2]), [-3, -3]); // -2.5 → -3
  assert.deepEqual(run([127, 127, 127, 126]), [127, 127]);
  // the mean's own parameters: the integer mean (on the input grid) requantised like TFLite's int8 QUANTIZE
  const q2: QuantizedGraph = { ...q, activations: { ...q.activations, x: { scale: 0.1, zeroPoint: 5 }, m: { scale: 0.2, zeroPoint: -3 } } };
  const m = (integerForward(q2, Int8Array.from([10, 20, 30, 41]), ['m']).get('m') as Int8Array)[0];
  assert.equal(m, 10 - 3); // mean 25.25 → 25; (25 - 5) * 0.5 = 10
  const m2 = (integerForward(q2, Int8Array.from([-100, -90, -80, -71]), ['m']).get('m') as Int8Array)[0];
  assert.equal(m2, -45 - 3); // mean -85.25 → -85; (-85 - 5) * 0.5 = -45
});

test('fused relu clamps at the output zero point; add saturates at the int8 limits', () => {
  const b = new GraphBuilder('x', [1, 1, 2]);
  b.sum('s', ['x', 'x']);
  const g = b.build();
  (g.nodes[0].attrs as { activation: string }).activation = 'relu';
  const q: QuantizedGraph = { graph: g, weights: {}, activations: { x: { scale: 0.1, zeroPoint: 0 }, s: { scale: 0.1, zeroPoint: -20 } } };
  const r = integerForward(q, Int8Array.from([-50, 100]), ['s']).get('s') as Int8Array;
  assert.deepEqual(Array.from(r), [-20, 127]);
});

test('multi-exit graph: every exit of the int8 graph is close to fp32 and segment-style feeding reproduces it exactly', () => {
  const q = quantized(multiExitGraph(12), 16);
  const wanted = q.graph.exits.map((e) => e.tensor);
  for (const seed of [1, 2, 3, 4]) {
    const img = randomImage([8, 8, 3], seed);
    const fp = referenceForward(q.graph, img, wanted);
    const iq = integerForward(q, quantizeTensor(img, q.activations.image), wanted);
    for (const t of wanted) {
      const ref = fp.get(t) as Float32Array;
      const deq = dequantizeTensor(iq.get(t) as Int8Array, q.activations[t]);
      const range = Math.max(...Array.from(ref, Math.abs));
      const err = Math.max(...Array.from(deq, (v, i) => Math.abs(v - ref[i])));
      assert.ok(err <= 0.1 * range + 2 * q.activations[t].scale, `${t}: error ${err} vs logit range ${range}`);
    }
  }
  const xq = quantizeTensor(randomImage([8, 8, 3], 9), q.activations.image);
  const all = integerForwardFeeds(q, new Map([['image', xq]]), ['exit2/fc', 'l2/s1/cell/out', 'l2/s2/cell/out'], { keepAll: true });
  const resumed = integerForwardFeeds(q, new Map([
    ['l2/s1/cell/out', all.get('l2/s1/cell/out') as Int8Array], ['l2/s2/cell/out', all.get('l2/s2/cell/out') as Int8Array],
  ]), ['exit2/fc']);
  assert.deepEqual(resumed.get('exit2/fc'), all.get('exit2/fc'));
});
