/**
 * The TFLite writer on a real (small) MS-RANAS graph after foldBatchNorm + fuseRelu: fp32 monolithic and
 * chained segments against the fp32 reference within 1e-4 relative L2 at every exit; int8 chained segments
 * exactly equal to the int8 monolithic model, and every int8 exit close to the integer reference.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelGraph } from '../../src/ir/types.ts';
import { loadGenotype } from '../../src/model/genotype.ts';
import { buildMsRanas } from '../../src/model/ms-ranas.ts';
import { genotypePath } from '../../src/model/presets.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import type { QuantizedGraph, Segment } from '../quant-types.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { integerForward } from '../reference/integer-forward.ts';
import { referenceForward } from '../reference/reference-forward.ts';
import { inferShapes } from '../reference/shapes.ts';
import { cutSegments } from '../segments.ts';
import { readTflite } from './read-tflite.ts';
import { loadTflite, type TensorData } from './tflite-runner.ts';
import { relativeL2 } from './testing/tfjs-reference.ts';
import { seededUniform } from './testing/tiny-graphs.ts';
import { writeTflite } from './write-tflite.ts';

const INPUT: [number, number, number] = [16, 16, 3];

function exportable(): ModelGraph {
  const g = buildMsRanas(loadGenotype(genotypePath('ms-ranas-default')), {
    scales: 2, layers: 4, initChannels: 4, nodes: 2, reductionLayers: [3], exitLayers: [2, 3, 4], growth: [1, 2],
    numClasses: 10, inputShape: INPUT, seed: 3, head: { kind: 'msdnet', channels: 8 }, bottleneckWidth: [1, 2],
  });
  // Non-trivial batch-norm statistics so folding matters.
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
  return fuseRelu(foldBatchNorm(g));
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

describe('writeTflite on a small MS-RANAS graph', () => {
  let graph: ModelGraph;
  let shapes: Map<string, number[]>;
  let segments: Segment[];
  let exits: string[];
  const rand = seededUniform(99);
  const image = () => Float32Array.from({ length: INPUT[0] * INPUT[1] * INPUT[2] }, () => rand());

  before(() => {
    graph = exportable();
    shapes = inferShapes(graph);
    segments = cutSegments(graph);
    exits = graph.exits.map((e) => e.tensor);
  });

  it('fp32: monolithic and chained segments match the fp32 reference at every exit within 1e-4', () => {
    const ops = new Set(graph.nodes.map((n) => n.op));
    assert.ok(ops.has('conv2d') && ops.has('depthwiseConv2d') && ops.has('concat') && ops.has('dense'), [...ops].join(','));
    const mono = writeTflite(graph, { nodes: graph.nodes.map((n) => n.name), inputs: graph.inputs.map((i) => i.name), outputs: exits }, shapes);
    const files = segments.map((s) => writeTflite(graph, s, shapes));
    for (let trial = 0; trial < 2; trial++) {
      const x = image();
      const want = referenceForward(graph, x, exits);
      const got = loadTflite(mono).run({ [graph.inputs[0].name]: x });
      const chained = runChained(files, segments, { [graph.inputs[0].name]: x });
      for (const e of exits) {
        const w = want.get(e) ?? new Float32Array();
        assert.ok(relativeL2(got.get(e) ?? [], w) < 1e-4, `monolithic ${e}: ${relativeL2(got.get(e) ?? [], w)}`);
        assert.ok(relativeL2(chained.get(e) ?? [], w) < 1e-4, `chained ${e}: ${relativeL2(chained.get(e) ?? [], w)}`);
      }
    }
  });

  it('int8: chained segments equal the monolithic model, and every exit equals integerForward, exactly', () => {
    const q: QuantizedGraph = quantizeGraph(graph, calibrate(graph, Array.from({ length: 8 }, image), { method: 'minmax', minImages: 8 }));
    const mono = writeTflite(graph, { nodes: graph.nodes.map((n) => n.name), inputs: graph.inputs.map((i) => i.name), outputs: exits }, shapes, { quant: q });
    const files = segments.map((s) => writeTflite(graph, s, shapes, { quant: q }));
    const versions = readTflite(mono).operatorCodes;
    assert.ok(versions.every((c) => c.version <= 4), JSON.stringify(versions));
    let worstLsb = 0;
    for (let trial = 0; trial < 3; trial++) {
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
