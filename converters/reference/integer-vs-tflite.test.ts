/**
 * The int8 reference against the real TFLite 2.9 runtime (tfjs-tflite-node), through the tflite writer of
 * converters/tflite: every tensor bit-exact, node by node (each node fed TFLite's own inputs) and for whole
 * chains, on a graph with every exported op, and on the folded + fused multi-exit graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelGraph } from '../../src/ir/types.ts';
import type { QuantizedGraph } from '../quant-types.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { loadTflite } from '../tflite/tflite-runner.ts';
import { writeTflite } from '../tflite/write-tflite.ts';
import { integerForward, integerForwardFeeds } from './integer-forward.ts';
import { inferShapes } from './shapes.ts';
import { GraphBuilder, multiExitGraph, randomImage } from './test-graphs.ts';

function quantized(g: ModelGraph): QuantizedGraph {
  const imgs = Array.from({ length: 8 }, (_, i) => randomImage(g.inputs[0].shape, 1 + i));
  return quantizeGraph(g, calibrate(g, imgs, { method: 'minmax', minImages: 8 }));
}

/** Counts of compared and differing values per node (each node fed TFLite's own inputs). */
function compareNodeByNode(q: QuantizedGraph, seeds: number[], gemmRounding: 'ruy' | 'reference' = 'ruy'): Map<string, { n: number; differ: number }> {
  const g = q.graph;
  const nodes = g.nodes.map((n) => n.name);
  const input = g.inputs[0];
  const session = loadTflite(writeTflite(g, { nodes, inputs: [input.name], outputs: nodes }, inferShapes(g), { quant: q }));
  const stats = new Map<string, { n: number; differ: number }>();
  for (const seed of seeds) {
    const xq = quantizeTensor(randomImage(input.shape, seed), q.activations[input.name]);
    const got = session.run({ [input.name]: xq });
    for (const node of g.nodes) {
      const feeds = new Map(node.inputs.map((t) => [t, t === input.name ? xq : (got.get(t) as Int8Array)]));
      const want = integerForwardFeeds(q, feeds, [node.name], { gemmRounding }).get(node.name) as Int8Array;
      const have = got.get(node.name);
      assert.ok(have instanceof Int8Array, node.name);
      const s = stats.get(node.name) ?? { n: 0, differ: 0 };
      for (let i = 0; i < want.length; i++) if (want[i] !== have[i]) s.differ++;
      s.n += want.length;
      stats.set(node.name, s);
    }
  }
  return stats;
}

test('every int8 op is bit-exact with TFLite 2.9 (conv, strided conv, dilated depthwise, relu, pools, add of 3, concat, mean, dense)', () => {
  const b = new GraphBuilder('x', [10, 10, 4], 3);
  const c = b.conv('c', 'x', { filters: 8, bias: true });
  const c2 = b.conv('c2', c, { filters: 8, bias: true, stride: 2, kernel: 5 });
  const d = b.dw('d', c2, { bias: true, dilation: 2 });
  const r = b.relu('r', d);
  const ap = b.pool('ap', 'avgPool', r, 3, 1);
  const mp = b.pool('mp', 'maxPool', c2, 3, 1);
  const s = b.sum('s', [ap, c2, mp]);
  const k = b.concat('k', [s, r]);
  const fc = b.dense('fc', b.gap('g', k), 6);
  const g = b.build();
  const q = quantized(g);
  const stats = compareNodeByNode(q, [50, 51, 52, 53, 54]);
  for (const [name, s] of stats) assert.equal(s.differ, 0, `${name}: ${s.differ} of ${s.n} values differ from TFLite`);
  assert.equal(stats.size, g.nodes.length);
  // the reference kernels' rounding (ties away from zero) is not what TFLite 2.9 runs for CONV_2D
  const ref = compareNodeByNode(q, [50, 51, 52, 53, 54], 'reference');
  assert.ok((ref.get('c')?.differ ?? 0) > 0, 'gemmlowp rounding differs on some ties');
  // whole chain from the input: identical too
  const xq = quantizeTensor(randomImage([10, 10, 4], 60), q.activations.x);
  const session = loadTflite(writeTflite(g, { nodes: g.nodes.map((n) => n.name), inputs: ['x'], outputs: [fc] }, inferShapes(g), { quant: q }));
  assert.deepEqual(session.run({ x: xq }).get(fc), integerForward(q, xq, [fc]).get(fc));
});

test('folded + fused multi-exit graph: every exit of the TFLite int8 model equals integerForward bit for bit', () => {
  const g = fuseRelu(foldBatchNorm(multiExitGraph(31)));
  const q = quantized(g);
  const exits = g.exits.map((e) => e.tensor);
  const session = loadTflite(writeTflite(g, { nodes: g.nodes.map((n) => n.name), inputs: ['image'], outputs: exits }, inferShapes(g), { quant: q }));
  for (const seed of [70, 71, 72, 73]) {
    const xq = quantizeTensor(randomImage([8, 8, 3], seed), q.activations.image);
    const got = session.run({ image: xq });
    const want = integerForward(q, xq, exits);
    for (const t of exits) assert.deepEqual(got.get(t), want.get(t), `${t} (seed ${seed})`);
  }
});

test('a mean whose output has its own parameters (whole-map average pool, then int8 requantisation) is bit-exact too', () => {
  for (const shape of [[6, 6, 8], [5, 5, 16], [8, 8, 3]]) {
    const b = new GraphBuilder('x', shape, 3);
    b.gap('g', 'x');
    const g = b.build();
    const q0 = quantized(g);
    const q: QuantizedGraph = { ...q0, activations: { ...q0.activations, g: { scale: Math.fround(q0.activations.x.scale / 4.37), zeroPoint: 11 } } };
    const session = loadTflite(writeTflite(g, { nodes: ['g'], inputs: ['x'], outputs: ['g'] }, inferShapes(g), { quant: q }));
    for (const seed of [50, 51, 52]) {
      const xq = quantizeTensor(randomImage(shape, seed), q.activations.x);
      assert.deepEqual(session.run({ x: xq }).get('g'), integerForward(q, xq, ['g']).get('g'), `[${shape.join(', ')}] seed ${seed}`);
    }
  }
});
