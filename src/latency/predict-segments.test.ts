import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../errors.ts';
import type { LatencyEntry, LatencyTable } from '../bundle-format/latency-table.ts';
import { validateGraph } from '../ir/validate.ts';
import { buildMsRanas } from '../model/ms-ranas.ts';
import { getPreset } from '../model/presets.ts';
import { randomGenotype } from '../model/random-genotype.ts';
import { foldBatchNorm } from '../../converters/passes/fold-batch-norm.ts';
import { fuseRelu } from '../../converters/passes/fuse-relu.ts';
import { cutSegments } from '../../converters/segments.ts';
import { opInstances } from './op-instances.ts';
import { buildOpModels, probeKey } from './op-models.ts';
import { indexTable, predictSegments } from './predict-segments.ts';

const preset = getPreset('tiny');
if (preset.kind !== 'ms-ranas') throw new Error('tiny is an MS-RANAS preset');
const config = preset.config;

function prepared(seed: number) {
  const graph = buildMsRanas(randomGenotype(seed, config.nodes), config);
  const p = fuseRelu(foldBatchNorm(graph));
  return { graph, prepared: p, shapes: validateGraph(p) };
}

// Built once: the op models of the tiny config (onnx), ~4 s.
const models = buildOpModels(config, 'onnx');
const modelKeys = new Set(models.map((m) => m.key));

test('op instances partition the prepared nodes; one edge instance per non-identity genotype edge per cell', () => {
  const { graph, prepared: p, shapes } = prepared(3);
  const ops = opInstances(p, shapes);
  const covered = ops.flatMap((o) => o.nodes);
  assert.equal(covered.length, p.nodes.length, 'every node in some instance');
  assert.equal(new Set(covered).size, covered.length, 'no node in two instances');
  const genotype = graph.meta.genotype as ReturnType<typeof randomGenotype>;
  const cells = p.nodes.filter((n) => n.tags?.part === 'cell-concat').map((n) => n.tags?.cell === 'reduce' ? 'reduce' : 'normal');
  const edgeOps = (kind: 'normal' | 'reduce') => genotype[kind].filter(([op, from]) => !(op === 'skip_connect' && (kind === 'normal' || from >= 2))).length;
  assert.equal(ops.filter((o) => o.part === 'edge').length, cells.reduce((s, kind) => s + edgeOps(kind), 0));
});

test('the op models cover every op instance (and probe every boundary) of random tiny networks', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const { prepared: p, shapes } = prepared(seed);
    for (const op of opInstances(p, shapes)) {
      assert.ok(modelKeys.has(op.key), `seed ${seed}: ${op.id} has key ${op.key}, which no op model measures`);
      for (const t of [...op.inputs, ...op.outputs]) {
        const s = shapes.get(t) ?? [];
        if (s.length === 3) assert.ok(modelKeys.has(probeKey(s, 1)) && modelKeys.has(probeKey(s, 2)), `probes of ${s}`);
      }
    }
  }
});

function tableOf(p50: (key: string) => number, correction?: number): LatencyTable {
  const entries: LatencyEntry[] = models.map((m) => ({ key: m.key, part: m.part, p50Us: p50(m.key), p99Us: p50(m.key), runs: 1 }));
  return {
    format: 'ranas-latency-table', version: 1, device: 'test', runtime: 'onnx', precision: 'int8', threads: 1,
    createdAt: 'now', updatedAt: 'now', warmups: 0, runs: 1, config: { name: 'tiny', hash: 'h', opModels: entries.length }, entries,
    ...(correction === undefined ? {} : { correction: { segmentOverheadUs: [correction, correction + 1], segments: 2, method: 'mean-residual-per-segment' as const } }),
  };
}

test('predictor: a segment is one call (+ correction) when ops cost nothing; an op costing 100 µs more adds 100 µs per instance of it', () => {
  const { graph, prepared: p, shapes } = prepared(5);
  const flat = indexTable(tableOf(() => 20, 7));
  const base = predictSegments(graph, flat);
  assert.deepEqual(base.map((s) => s.sumUs), base.map(() => 20), 'op entries equal to the bare call: nothing but the call is left');
  assert.deepEqual(base.map((s) => s.predictedUs), [27, 28, 28], 'per-segment correction; the last fitted one past the end');
  const key = 'node|16x16x16,16x16x16>16x16x16';
  const slower = predictSegments(graph, indexTable(tableOf((k) => (k === key ? 120 : 20))));
  const perSegment = cutSegments(p).map((seg) => opInstances(p, shapes, seg.nodes).filter((o) => o.key === key).length);
  assert.ok(perSegment.some((n) => n > 0), `seed 5 has ${key} instances`);
  assert.deepEqual(slower.map((s) => s.sumUs), perSegment.map((n) => 20 + 100 * n));
});

test('predictor: a table without a key the network needs is refused naming the key', () => {
  const { graph } = prepared(5);
  const key = 'node|16x16x16,16x16x16>16x16x16';
  const table = tableOf(() => 20);
  const partial = { ...table, entries: table.entries.filter((e) => e.key !== key) };
  assert.throws(() => predictSegments(graph, indexTable(partial, 'part.json')), (e) => isRanasError(e) && e.code === 'E_LATENCY_KEY' && e.message.includes(key) && e.message.includes('part.json'));
  const noInvoke = { ...table, entries: table.entries.filter((e) => e.key !== 'invoke') };
  assert.throws(() => indexTable(noInvoke), (e) => isRanasError(e) && e.code === 'E_LATENCY_TABLE');
});
