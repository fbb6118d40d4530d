/**
 * The TFLite writer on the `tiny` MS-RANAS preset after foldBatchNorm + fuseRelu: fp32 monolithic and
 * chained segments against the tfjs engine (src/exec, on the unfolded graph) within 1e-4 relative L2 at
 * every exit; int8 chained segments exactly equal to the int8 monolithic model, and every int8 exit equal
 * to the project's integer reference.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.ts';
import { tf } from '../../src/engine/tf.ts';
import { createProgram } from '../../src/exec/program.ts';
import type { ModelGraph } from '../../src/ir/types.ts';
import { buildPreset } from '../../src/model/presets.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import type { QuantizedGraph, Segment } from '../quant-types.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { integerForward } from '../reference/integer-forward.ts';
import { inferShapes } from '../reference/shapes.ts';
import { cutSegments } from '../segments.ts';
import { readTflite } from './read-tflite.ts';
import { loadTflite, type TensorData } from './tflite-runner.ts';
import { relativeL2 } from './testing/tfjs-reference.ts';
import { seededUniform } from './testing/tiny-graphs.ts';
import { writeTflite } from './write-tflite.ts';

/** The tiny preset with non-trivial batch-norm statistics, so folding matters. */
function tinyPreset(): ModelGraph {
  const g = buildPreset('tiny');
  const rand = seededUniform(17);
  for (const node of g.nodes) {
    if (node.op !== 'batchNorm') continue;
    for (const role of ['movingMean', 'movingVariance', 'gamma', 'beta'] as const) {
      const name = node.weights[role];
      if (!name) continue;
      const w = g.weights[name];
      for (let i = 0; i < w.data.length; i++) w.data[i] = role === 'movingVariance' ? 0.5 + Math.abs(rand()) : role === 'gamma' ? 1 + 0.3 * rand() : 0.2 * rand();
    }
  }
  return g;
}

/** Runs segments in order, feeding each the tensors earlier segments produced; returns every output. */
function runChained(files: Uint8Array[], segments: Segment[], feed: Record<string, TensorData>): Map<string, TensorData> {
  const env = new Map<string, TensorData>(Object.entries(feed));
  segments.forEach((seg, k) => {
    const inputs = Object.fromEntries(seg.inputs.map((name) => {
      const v = env.get(name);
      assert.ok(v, `segment ${k} input ${name}`);
      return [name, v];
    }));
    for (const [name, v] of loadTflite(files[k]).run(inputs)) env.set(name, v);
  });
  return env;
}

describe('writeTflite on the tiny MS-RANAS preset', () => {
  let original: ModelGraph;
  let graph: ModelGraph;
  let shapes: Map<string, number[]>;
  let segments: Segment[];
  let exits: string[];
  const rand = seededUniform(99);
  let image: () => Float32Array;

  before(async () => {
    await initEngine('cpu');
    original = tinyPreset();
    graph = fuseRelu(foldBatchNorm(original));
    const size = graph.inputs[0].shape.reduce((a, b) => a * b, 1);
    image = () => Float32Array.from({ length: size }, () => rand());
    shapes = inferShapes(graph);
    segments = cutSegments(graph);
    exits = graph.exits.map((e) => e.tensor);
  });

  it('fp32: monolithic and chained segments match the tfjs engine at every exit within 1e-4', () => {
    const ops = new Set(graph.nodes.map((n) => n.op));
    assert.ok(ops.has('conv2d') && ops.has('depthwiseConv2d') && ops.has('concat') && ops.has('dense'), [...ops].join(','));
    const mono = writeTflite(graph, { nodes: graph.nodes.map((n) => n.name), inputs: graph.inputs.map((i) => i.name), outputs: exits }, shapes);
    const files = segments.map((s) => writeTflite(graph, s, shapes));
    const program = createProgram(original);
    const inputShape = [1, ...graph.inputs[0].shape] as [number, number, number, number];
    for (let trial = 0; trial < 2; trial++) {
      const x = image();
      const logits = tf.tidy(() => program.forward(tf.tensor4d(x, inputShape)).exits.map((t) => Float32Array.from(t.dataSync())));
      const want = new Map(original.exits.map((e, k) => [e.tensor, logits[k]]));
      const got = loadTflite(mono).run({ [graph.inputs[0].name]: x });
      const chained = runChained(files, segments, { [graph.inputs[0].name]: x });
      for (const e of exits) {
        const w = want.get(e) ?? new Float32Array();
        assert.ok(relativeL2(got.get(e) ?? [], w) < 1e-4, `monolithic ${e}: ${relativeL2(got.get(e) ?? [], w)}`);
        assert.ok(relativeL2(chained.get(e) ?? [], w) < 1e-4, `chained ${e}: ${relativeL2(chained.get(e) ?? [], w)}`);
      }
    }
    program.dispose();
  });

  it('int8: chained segments equal the monolithic model, and every exit equals integerForward, exactly', () => {
    const q: QuantizedGraph = quantizeGraph(graph, calibrate(graph, Array.from({ length: 4 }, image), { method: 'minmax', minImages: 4 }));
    const mono = writeTflite(graph, { nodes: graph.nodes.map((n) => n.name), inputs: graph.inputs.map((i) => i.name), outputs: exits }, shapes, { quant: q });
    const files = segments.map((s) => writeTflite(graph, s, shapes, { quant: q }));
    const versions = readTflite(mono).operatorCodes;
    assert.ok(versions.every((c) => c.version <= 4), JSON.stringify(versions));
    let worstLsb = 0;
    for (let trial = 0; trial < 2; trial++) {
      const xq = quantizeTensor(image(), q.activations[graph.inputs[0].name]);
      const got = loadTflite(mono).run({ [graph.inputs[0].name]: xq });
      const chained = runChained(files, segments, { [graph.inputs[0].name]: xq });
      const want = integerForward(q, xq, exits);
      for (const e of exits) {
        assert.deepEqual(Array.from(chained.get(e) ?? []), Array.from(got.get(e) ?? []), `exit ${e}`);
        const g = got.get(e) ?? new Int8Array();
        const w = want.get(e) ?? new Int8Array();
        for (let i = 0; i < w.length; i++) worstLsb = Math.max(worstLsb, Math.abs(g[i] - w[i]));
      }
    }
    assert.equal(worstLsb, 0, `worst exit difference ${worstLsb} LSB`);
  });
});
