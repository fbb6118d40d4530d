// The short form of bench/latency-predictor.ts: one tiny network, few runs. Asserts the pipeline (table
// measured, resumed, validated; bundles exported and profiled by the agent; one prediction per segment) and
// the file format; never the timing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isCompleteTable, parseLatencyTable } from '../src/bundle-format/latency-table.ts';
import { getPreset } from '../src/model/presets.ts';
import { evenParts, profileOps } from '../src/latency/profile-ops.ts';
import { CALIBRATION_SEEDS, calibrationKey } from '../src/latency/op-models.ts';
import { isRanasError } from '../src/errors.ts';
import { benchLatencyPredictor, latencyBenchTables, splitNetworkFactor, type SegmentRow } from './latency-predictor.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-latency-bench-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('latency bench (short): a complete table, one prediction and one agent measurement per segment', async () => {
  const report = await benchLatencyPredictor({ presets: ['tiny'], networks: 1, runtime: 'onnx', tablesDir: dir, runs: 10, warmups: 2, opRuns: 5, driftReference: true, passes: 1, calibrationNetworks: 4, calibrationPasses: 2, minutes: 0 });
  const file = path.join(dir, 'latency-tiny-onnx.json');
  const table = parseLatencyTable(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  assert.ok(isCompleteTable(table) && table.entries.length === table.config.opModels, `${table.entries.length} of ${table.config.opModels} entries`);
  assert.equal(table.runtime, 'onnx');
  assert.equal(table.precision, 'int8');
  assert.equal(table.runs, 5);
  assert.ok(table.correction !== undefined && table.correction.segments === 4 * 3, 'correction fitted on the 4 calibration networks asked for × 3 segments');
  assert.deepEqual([...new Set(table.entries.filter((e) => e.part === 'calibration').map((e) => e.key.split('|')[1]))], CALIBRATION_SEEDS.slice(0, 4).map((s) => `seed=${s}`));
  assert.equal(table.correction.method, 'ridge-segment-and-primitive');
  assert.deepEqual(new Set(table.entries.map((e) => e.part)), new Set(['invoke', 'probe', 'vertical', 'horizontal', 'diagonal', 'grid-concat', 'pre0', 'pre1', 'edge', 'node', 'cell-concat', 'head', 'calibration']));
  assert.deepEqual(report.rows.map((r) => r.segment), [0, 1, 2]);
  for (const r of report.rows) {
    assert.ok(r.measuredUs > 0 && r.sumUs > 0 && r.ops > 0);
    assert.ok(Number.isFinite(r.predictedUs) && r.predictedUs > 0, `segment ${r.segment + 1} predicted ${r.predictedUs} µs`);
    assert.ok(r.drift !== undefined && Number.isFinite(r.drift) && r.drift > 0, `segment ${r.segment + 1}: drift ${r.drift} (the reference network now / in the table)`);
  }
  assert.ok(report.withinDriftNormalised !== null && report.withinDriftNormalised >= 0 && report.withinDriftNormalised <= 1);
  const t = latencyBenchTables(report);
  assert.equal(t.segments.length, 3);
  assert.deepEqual(t.summary.map((s) => s.group), ['tiny segment 1', 'tiny segment 2', 'tiny segment 3']);
});

test('latency bench (short): networks measured in rounds over all of them, and again for the noise floor', async () => {
  const report = await benchLatencyPredictor({ presets: ['tiny'], networks: 2, runtime: 'onnx', tablesDir: dir, runs: 10, warmups: 2, opRuns: 5, passes: 2, minutes: 0, remeasure: true, recalibrate: true });
  assert.deepEqual(report.rows.map((r) => `${r.seed}/${r.segment}`), ['1/0', '1/1', '1/2', '2/0', '2/1', '2/2']);
  for (const r of report.rows) {
    assert.ok(r.measuredUs > 0 && r.remeasuredUs !== undefined && r.remeasuredUs > 0 && Number.isFinite(r.error));
    // A second prediction from the correction refitted on calibration networks measured in the same rounds.
    assert.ok(r.recalibratedUs !== undefined && Number.isFinite(r.recalibratedUs) && r.recalibratedUs > 0, `recalibrated ${r.recalibratedUs}`);
  }
  assert.ok(report.withinRemeasured !== null && report.withinRecalibrated !== null);
  await assert.rejects(benchLatencyPredictor({ presets: ['tiny'], networks: 1, runtime: 'onnx', tablesDir: dir, runs: 10, passes: 2, driftReference: true }), (e) => isRanasError(e) && e.code === 'E_CLI_OPTION' && /--passes 1/.test(e.message));
  await assert.rejects(benchLatencyPredictor({ presets: ['tiny'], networks: 1, runtime: 'onnx', tablesDir: dir, calibrationNetworks: Number('abc') }), (e) => isRanasError(e) && e.code === 'E_CLI_OPTION' && /--calibration-networks NaN/.test(e.message));
  await assert.rejects(benchLatencyPredictor({ presets: ['tiny'], networks: 1, runtime: 'onnx', tablesDir: dir, runs: 10, passes: 1, recalibrate: true }), (e) => isRanasError(e) && e.code === 'E_CLI_OPTION' && /--passes 2 or more/.test(e.message));
});

test('profile-ops resumes a partial table: only the missing entries are measured; another config or device is refused', async () => {
  const file = path.join(dir, 'latency-tiny-onnx.json');
  const full = parseLatencyTable(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  const dropped = full.entries.filter((e) => e.part === 'edge').slice(0, 3).map((e) => e.key);
  const { correction: _c, ...partial } = { ...full, entries: full.entries.filter((e) => !dropped.includes(e.key)) };
  fs.writeFileSync(file, JSON.stringify(partial));
  const p = getPreset('tiny');
  if (p.kind !== 'ms-ranas') throw new Error('tiny is an MS-RANAS preset');
  const measured: string[] = [];
  const table = await profileOps({ config: p.config, configName: 'tiny', runtime: 'onnx', threads: 1, out: file, runs: 5, calibrationMinutes: 0, log: (l) => { if (l.startsWith('[')) measured.push(l); } });
  assert.equal(measured.length, 3, measured.join('\n'));
  for (const key of dropped) assert.ok(measured.some((l) => l.includes(key)), `${key} measured again`);
  assert.deepEqual(new Set(table.entries.map((e) => e.key)), new Set(full.entries.map((e) => e.key)));
  assert.ok(table.correction !== undefined);
  // Resumed with the 4 calibration networks it was started with; asked for a fifth, it measures only that one.
  const calibrationLog: string[] = [];
  const more = await profileOps({ config: p.config, configName: 'tiny', runtime: 'onnx', threads: 1, out: file, runs: 5, calibrationMinutes: 0, calibrationRuns: 10, calibrationSeeds: CALIBRATION_SEEDS.slice(0, 5), calibrationPasses: 1, log: (l) => { if (l.startsWith('calibration networks')) calibrationLog.push(l); } });
  assert.deepEqual(calibrationLog, [`calibration networks ${CALIBRATION_SEEDS[4]}: 1 round over all of them`]);
  assert.ok(isCompleteTable(more) && more.config.opModels === full.config.opModels + 3 && more.correction?.segments === 5 * 3, `${more.entries.length} of ${more.config.opModels}`);
  // --recalibrate: the calibration networks measured again and the correction refitted; no op model measured.
  const recalLog: string[] = [];
  const recal = await profileOps({ config: p.config, configName: 'tiny', runtime: 'onnx', threads: 1, out: file, runs: 5, calibrationMinutes: 0, calibrationRuns: 10, calibrationPasses: 1, recalibrate: true, log: (l) => recalLog.push(l) });
  assert.ok(!recalLog.some((l) => l.startsWith('[')), `no op model measured again: ${recalLog.filter((l) => l.startsWith('[')).join('; ')}`);
  assert.ok(recalLog.includes(`calibration networks ${CALIBRATION_SEEDS.slice(0, 5).join(', ')}: 1 round over all of them`), recalLog.join('\n'));
  const opEntries = (t: typeof more) => t.entries.filter((e) => e.part !== 'calibration').map((e) => `${e.key}=${e.p50Us}`).sort();
  assert.deepEqual(opEntries(recal), opEntries(more));
  assert.ok(isCompleteTable(recal) && recal.correction?.segments === 5 * 3);
  // Op models and calibration networks both missing: the op models are measured in as many parts as there are
  // rounds, one part before each round, so the rounds are spread over the whole measurement.
  const edges = recal.entries.filter((e) => e.part === 'edge').slice(0, 4).map((e) => e.key);
  const lastTwo = new Set(CALIBRATION_SEEDS.slice(3, 5).flatMap((seed) => [0, 1, 2].map((k) => calibrationKey(seed, k))));
  const { correction: _r, ...gappy } = { ...recal, entries: recal.entries.filter((e) => !edges.includes(e.key) && !lastTwo.has(e.key)) };
  fs.writeFileSync(file, JSON.stringify(gappy));
  const order: string[] = [];
  const spread = await profileOps({ config: p.config, configName: 'tiny', runtime: 'onnx', threads: 1, out: file, runs: 5, calibrationMinutes: 0, calibrationRuns: 10, calibrationPasses: 2, log: (l) => { if (l.startsWith('[')) order.push('op'); else if (l.startsWith('calibration round')) order.push(l); } });
  assert.deepEqual(order, ['op', 'op', 'calibration round 1 of 2', 'op', 'op', 'calibration round 2 of 2']);
  assert.ok(isCompleteTable(spread) && spread.correction?.segments === 5 * 3, `${spread.entries.length} of ${spread.config.opModels}`);
  assert.deepEqual(evenParts([1, 2, 3, 4, 5], 3), [[1], [2, 3], [4, 5]]);
  assert.deepEqual(evenParts([1, 2], 4), [[], [1], [], [2]]);
  await assert.rejects(profileOps({ config: p.config, configName: 'tiny', runtime: 'onnx', threads: 1, out: path.join(dir, 'none.json'), recalibrate: true }), (e) => isRanasError(e) && e.code === 'E_CLI_OPTION' && e.message.includes('none.json'));
  await assert.rejects(
    profileOps({ config: { ...p.config, initChannels: 16 }, configName: 'wider', runtime: 'onnx', threads: 1, out: file }),
    (e) => isRanasError(e) && e.code === 'E_LATENCY_CONFIG' && e.message.includes('wider'),
  );
  // A table is one device's: another device does not add to it.
  await assert.rejects(
    profileOps({ config: p.config, configName: 'tiny', runtime: 'onnx', threads: 1, out: file, deviceName: 'another-pi' }),
    (e) => isRanasError(e) && e.code === 'E_LATENCY_CONFIG' && e.message.includes('another-pi'),
  );
});

test('a ratio shared by all segments of a network is split off as the per-network factor', () => {
  const row = (seed: number, segment: number, measuredUs: number, remeasuredUs: number): SegmentRow => ({ preset: 'tiny', seed, segment, ops: 1, sumUs: 1, predictedUs: 100, measuredUs, error: 100 / measuredUs - 1, remeasuredUs });
  // Network 1 measured again 20 % slower in every segment, network 2 12 % faster: all of it is per network.
  const rows = [row(1, 0, 100, 120), row(1, 1, 200, 240), row(1, 2, 50, 60), row(2, 0, 100, 88), row(2, 1, 300, 264), row(2, 2, 80, 70.4)];
  const again = splitNetworkFactor(rows, (r) => (r.remeasuredUs ?? NaN) / r.measuredUs);
  assert.ok(again && again.perNetworkShare > 0.999 && again.sdWithin < 1e-9 && again.withinAfterRemoval === 1, JSON.stringify(again));
  // Segment-level scatter inside a network stays: ±15 % around the network's own level is outside ±10 %.
  const scattered = [row(1, 0, 100, 115), row(1, 1, 100, 85), row(2, 0, 100, 100), row(2, 1, 100, 100)];
  const s = splitNetworkFactor(scattered, (r) => (r.remeasuredUs ?? NaN) / r.measuredUs);
  assert.ok(s && s.perNetworkShare < 0.1 && s.withinAfterRemoval === 0.5, JSON.stringify(s));
  assert.equal(splitNetworkFactor(rows.map((r) => ({ ...r, remeasuredUs: undefined })), (r) => (r.remeasuredUs ?? NaN) / r.measuredUs), null);
});
