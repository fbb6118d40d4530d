/**
 * The core pipeline on a real tiny MS-RANAS graph (src/model preset `tiny`, 2 scales, 4 layers, 3 exits):
 * fold → fuse keep every exit; calibrate → quantise; the int8 reference stays close to fp32, chained int8
 * segments equal the monolithic graph, and TFLite 2.9 runs the written int8 model bit-exactly like it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelGraph } from '../../src/ir/types.ts';
import { buildPreset } from '../../src/model/presets.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { dequantizeTensor, quantizeTensor } from '../quantize/quant-params.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { cutSegments } from '../segments.ts';
import { loadTflite } from '../tflite/tflite-runner.ts';
import { writeTflite } from '../tflite/write-tflite.ts';
import { integerForward, integerForwardFeeds } from './integer-forward.ts';
import { referenceForward } from './reference-forward.ts';
import { inferShapes } from './shapes.ts';
import { randomImage, seededUniform } from './test-graphs.ts';

/** The tiny preset with non-trivial batch-norm statistics (a fresh model has mean 0, variance 1). */
function tinyWithStats(): ModelGraph {
  const g = buildPreset('tiny');
  const u = seededUniform(5);
  for (const node of g.nodes) {
    if (node.op !== 'batchNorm') continue;
    const set = (name: string | undefined, lo: number, hi: number) => {
      if (name) g.weights[name].data.forEach((_, i, a) => { a[i] = lo + (hi - lo) * u(); });
    };
    set(node.weights.movingMean, -0.2, 0.2);
    set(node.weights.movingVariance, 0.5, 2);
    set(node.weights.gamma, 0.7, 1.3);
    set(node.weights.beta, -0.2, 0.2);
  }
  return g;
}

test('tiny MS-RANAS: fold, fuse, quantise, int8 reference, segments and TFLite agree', () => {
  const g = tinyWithStats();
  const exits = g.exits.map((e) => e.tensor);
  assert.equal(exits.length, 3);
  const img = randomImage(g.inputs[0].shape, 1);
  const fp = referenceForward(g, img, exits);

  const ready = fuseRelu(foldBatchNorm(g));
  assert.ok(!ready.nodes.some((n) => n.op === 'batchNorm'));
  assert.ok(ready.nodes.length < g.nodes.length);
  const fpReady = referenceForward(ready, img, exits);
  for (const t of exits) {
    const a = fp.get(t) as Float32Array;
    const b = fpReady.get(t) as Float32Array;
    const scale = Math.max(...Array.from(a, Math.abs));
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5 * scale, `${t}[${i}] folded`));
  }

  const calib = [1, 2, 3, 4].map((s) => randomImage(g.inputs[0].shape, s));
  const q = quantizeGraph(ready, calibrate(ready, calib, { method: 'minmax', minImages: 4 }));
  const xq = quantizeTensor(img, q.activations.image);
  const iq = integerForward(q, xq, exits);
  for (const t of exits) {
    const ref = fpReady.get(t) as Float32Array;
    const deq = dequantizeTensor(iq.get(t) as Int8Array, q.activations[t]);
    const range = Math.max(...Array.from(ref, Math.abs));
    const err = Math.max(...Array.from(deq, (v, i) => Math.abs(v - ref[i])));
    assert.ok(err <= 0.15 * range, `${t}: int8 error ${err} vs logit range ${range}`);
  }

  const segments = cutSegments(ready);
  assert.equal(segments.length, 3);
  const live = new Map([['image', xq]]);
  for (const s of segments) {
    const out = integerForwardFeeds(q, new Map(s.inputs.map((t) => [t, live.get(t) as Int8Array])), s.outputs);
    for (const [t, v] of out) live.set(t, v);
    assert.deepEqual(out.get(s.exitTensor), iq.get(s.exitTensor), `segment ${s.index}`);
  }

  const session = loadTflite(writeTflite(ready, { nodes: ready.nodes.map((n) => n.name), inputs: ['image'], outputs: exits }, inferShapes(ready), { quant: q }));
  const got = session.run({ image: xq });
  for (const t of exits) assert.deepEqual(got.get(t), iq.get(t), `${t}: TFLite vs integerForward`);
});
