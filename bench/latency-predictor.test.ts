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
import { profileOps } from '../src/latency/profile-ops.ts';
import { CALIBRATION_SEEDS } from '../src/latency/op-models.ts';
import { isRanasError } from '../src/errors.ts';
import { benchLatencyPredictor, latencyBenchTables } from './latency-predictor.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-latency-bench-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('latency bench (short): a complete table, one prediction and one agent measurement per segment', async () => {
  const report = await benchLatencyPredictor({ presets: ['tiny'], networks: 1, runtime: 'onnx', tablesDir: dir, runs: 10, warmups: 2, opRuns: 5, driftReference: true });
  const file = path.join(dir, 'latency-tiny-onnx.json');
  const table = parseLatencyTable(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  assert.ok(isCompleteTable(table) && table.entries.length === table.config.opModels, `${table.entries.length} of ${table.config.opModels} entries`);
  assert.equal(table.runtime, 'onnx');
  assert.equal(table.precision, 'int8');
  assert.equal(table.runs, 5);
  assert.ok(table.correction !== undefined && table.correction.segments === CALIBRATION_SEEDS.length * 3, `correction fitted on ${CALIBRATION_SEEDS.length} calibration networks × 3 segments`);
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

test('profile-ops resumes a partial table: only the missing entries are measured; another config or device is refused', async () => {
  const file = path.join(dir, 'latency-tiny-onnx.json');
  const full = parseLatencyTable(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  const dropped = full.entries.filter((e) => e.part === 'edge').slice(0, 3).map((e) => e.key);
  const { correction: _c, ...partial } = { ...full, entries: full.entries.filter((e) => !dropped.includes(e.key)) };
  fs.writeFileSync(file, JSON.stringify(partial));
  const p = getPreset('tiny');
  if (p.kind !== 'ms-ranas') throw new Error('tiny is an MS-RANAS preset');
  const measured: string[] = [];
  const table = await profileOps({ config: p.config, configName: 'tiny', runtime: 'onnx', threads: 1, out: file, runs: 5, log: (l) => { if (l.startsWith('[')) measured.push(l); } });
  assert.equal(measured.length, 3, measured.join('\n'));
  for (const key of dropped) assert.ok(measured.some((l) => l.includes(key)), `${key} measured again`);
  assert.deepEqual(new Set(table.entries.map((e) => e.key)), new Set(full.entries.map((e) => e.key)));
  assert.ok(table.correction !== undefined);
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
