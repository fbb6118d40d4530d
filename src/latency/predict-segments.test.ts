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
import { buildOpModels, calibrationKey, probeKey } from './op-models.ts';
import { indexTable, opTimeUs, predictSegments, primitiveOfKey } from './predict-segments.ts';
import { fitCorrection } from './fit-correction.ts';

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

/** A deterministic hash of a key into 0..996. */
const hash = (key: string) => [...key].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 997, 7);
/** Op entries that differ by key, so the primitives' summed times are not collinear across networks. */
const distinctEntryUs = (key: string) => (key === 'invoke' ? 10 : key.startsWith('probe') ? 12 + (hash(key) % 5) : 150 + (hash(key) % 300));
/** Per-segment overheads of the synthetic calibration measurements. */
const SEGMENT_US = [30, 55, 42];

test('correction: the ridge fit recovers per-segment overheads and per-primitive shares from calibration networks, and the predictor applies them', () => {
  // Calibration segments measured as plain sum + c_k + Σ_p b_p · t_p with known c and b: the fit must recover
  // them (noise-free: weight 0 wins).
  const base = tableOf(distinctEntryUs);
  const plain = indexTable(base);
  const c = SEGMENT_US;
  const b: Record<string, number> = { sep_conv_3x3: 0.2, sep_conv_5x5: 0.35, dil_conv_3x3: 0.1, dil_conv_5x5: -0.05, max_pool_3x3: 0.5, avg_pool_3x3: 0.25, skip_connect: 0.15 };
  const seeds = Array.from({ length: 10 }, (_, i) => 2001 + i);
  const nets = new Map(seeds.map((s) => [s, buildMsRanas(randomGenotype(s, config.nodes), config)]));
  const calibration: LatencyEntry[] = [];
  const timed = new Set<string>();
  for (const [seed, graph] of nets) {
    const p = fuseRelu(foldBatchNorm(graph));
    const shapes = validateGraph(p);
    const sums = predictSegments(graph, plain);
    cutSegments(p).forEach((seg, k) => {
      const extra = opInstances(p, shapes, seg.nodes).reduce((s, op) => {
        const prim = primitiveOfKey(op.key);
        if (prim !== undefined && opTimeUs(plain, op, shapes) > 0) timed.add(prim);
        return prim === undefined ? s : s + b[prim] * opTimeUs(plain, op, shapes);
      }, 0);
      const us = sums[k].sumUs + c[k] + extra;
      calibration.push({ key: calibrationKey(seed, k), part: 'calibration', p50Us: us, p99Us: us, runs: 1 });
    });
  }
  const withCalibration = { ...base, entries: [...base.entries, ...calibration] };
  const fit = fitCorrection(indexTable(withCalibration), nets);
  assert.equal(fit.method, 'ridge-segment-and-primitive');
  assert.equal(fit.ridgeLambda, 0, 'noise-free residuals: cross-validation keeps the unshrunk fit');
  fit.segmentOverheadUs.forEach((x, k) => assert.ok(Math.abs(x - c[k]) < 1e-6, `segment ${k + 1}: ${x} vs ${c[k]}`));
  assert.ok(timed.size >= 4, `primitives with a measurable own time in this table: ${[...timed].join(', ')}`);
  for (const p of timed) assert.ok(Math.abs((fit.primitiveScale?.[p] ?? NaN) - b[p]) < 1e-6, `${p}: ${fit.primitiveScale?.[p]} vs ${b[p]}`);
  // The predictor with that correction reproduces the calibration segments, and a held-out network the same way.
  const index = indexTable({ ...withCalibration, correction: fit });
  const heldOut = buildMsRanas(randomGenotype(77, config.nodes), config);
  const hp = fuseRelu(foldBatchNorm(heldOut));
  const hShapes = validateGraph(hp);
  const predicted = predictSegments(heldOut, index);
  const plainSums = predictSegments(heldOut, plain);
  cutSegments(hp).forEach((seg, k) => {
    const extra = opInstances(hp, hShapes, seg.nodes).reduce((s, op) => {
      const prim = primitiveOfKey(op.key);
      return prim === undefined ? s : s + b[prim] * opTimeUs(plain, op, hShapes);
    }, 0);
    assert.ok(Math.abs(predicted[k].predictedUs - (plainSums[k].sumUs + c[k] + extra)) < 1e-6, `held-out segment ${k + 1}`);
    assert.equal(predicted[k].sumUs, plainSums[k].sumUs, 'sumUs stays the plain sum');
  });
});

test('correction: when every primitive costs a common share more in context, measured with noise, the shares shrink toward that share, not toward 0', () => {
  const base = tableOf(distinctEntryUs);
  const plain = indexTable(base);
  const c = SEGMENT_US;
  const common = 0.3;
  const seeds = Array.from({ length: 12 }, (_, i) => 4001 + i);
  const nets = new Map(seeds.map((s) => [s, buildMsRanas(randomGenotype(s, config.nodes), config)]));
  const calibration: LatencyEntry[] = [];
  for (const [seed, graph] of nets) {
    const p = fuseRelu(foldBatchNorm(graph));
    const shapes = validateGraph(p);
    const sums = predictSegments(graph, plain);
    cutSegments(p).forEach((seg, k) => {
      const edges = opInstances(p, shapes, seg.nodes).reduce((s, op) => (primitiveOfKey(op.key) === undefined ? s : s + opTimeUs(plain, op, shapes)), 0);
      // ±1 % measurement noise, deterministic per segment
      const noise = 1 + 0.01 * (((hash(`${seed}/${k}`) % 201) - 100) / 100);
      const us = (sums[k].sumUs + c[k] + common * edges) * noise;
      calibration.push({ key: calibrationKey(seed, k), part: 'calibration', p50Us: us, p99Us: us, runs: 1 });
    });
  }
  const fit = fitCorrection(indexTable({ ...base, entries: [...base.entries, ...calibration] }), nets);
  assert.ok((fit.commonShare ?? 0) > 0.15, `common share ${fit.commonShare}; expected the fit to shrink toward a common share near ${common}`);
  for (const [prim, share] of Object.entries(fit.primitiveScale ?? {})) assert.ok(Math.abs(share - common) < 0.15, `${prim}: share ${share.toFixed(3)}, expected near ${common}`);
});

test('correction: a table with calibration networks missing a segment index is refused', () => {
  const nets = new Map([[3001, buildMsRanas(randomGenotype(3001, config.nodes), config)]]);
  assert.throws(() => fitCorrection(indexTable(tableOf(() => 20), 'nocal.json'), nets), (e) => isRanasError(e) && e.code === 'E_LATENCY_TABLE' && e.message.includes('nocal.json'));
});
