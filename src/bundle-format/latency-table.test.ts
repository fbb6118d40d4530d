import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../errors.ts';
import { isCompleteTable, parseLatencyTable, type LatencyTable } from './latency-table.ts';

const table: LatencyTable = {
  format: 'ranas-latency-table',
  version: 1,
  device: 'box',
  runtime: 'onnx',
  precision: 'int8',
  threads: 1,
  createdAt: '2026-12-06T12:00:00.000Z',
  updatedAt: '2026-12-06T12:01:00.000Z',
  warmups: 10,
  runs: 100,
  config: { name: 'tiny', hash: '7d36221de237cc80', opModels: 3 },
  entries: [
    { key: 'invoke', part: 'invoke', p50Us: 15, p99Us: 30, runs: 100 },
    { key: 'edge:sep_conv_3x3|16x16x16>16x16x16', part: 'edge', p50Us: 41.2, p99Us: 60.1, runs: 100 },
  ],
  correction: { segmentOverheadUs: [-3.5, 12, 40], segments: 12, method: 'mean-residual-per-segment' },
};

function refused(json: unknown, field: string): void {
  assert.throws(() => parseLatencyTable(json, 't.json'), (e) => isRanasError(e) && e.code === 'E_LATENCY_TABLE' && e.message.includes(`'${field}'`) && e.message.includes('t.json'), field);
}

test('a table survives JSON and the validator unchanged; a partial one says so', () => {
  assert.deepEqual(parseLatencyTable(JSON.parse(JSON.stringify(table))), table);
  assert.equal(isCompleteTable(table), false, '2 of 3 op models measured');
  assert.equal(isCompleteTable({ ...table, config: { ...table.config, opModels: 2 } }), true);
  const { correction: _c, ...plain } = table;
  assert.deepEqual(parseLatencyTable(plain), plain, 'the correction is optional (a partial table has none)');
  const ridge = { ...table, correction: { segmentOverheadUs: [60, 55, 40], primitiveScale: { sep_conv_3x3: 0.2, max_pool_3x3: -0.3 }, ridgeLambda: 30, segments: 36, method: 'ridge-segment-and-primitive' as const } };
  assert.deepEqual(parseLatencyTable(JSON.parse(JSON.stringify(ridge))), ridge, 'a ridge correction with per-primitive shares');
  const shrunkToCommon = { ...ridge, correction: { ...ridge.correction, commonShare: 0.22 } };
  assert.deepEqual(parseLatencyTable(JSON.parse(JSON.stringify(shrunkToCommon))), shrunkToCommon, 'with the common share the fit shrank toward');
});

test('the validator names the field it refuses', () => {
  refused({ ...table, format: 'ranas-bundle' }, 'format');
  refused({ ...table, version: 2 }, 'version');
  refused({ ...table, runtime: 'tensorrt' }, 'runtime');
  refused({ ...table, threads: 0 }, 'threads');
  refused({ ...table, config: { ...table.config, hash: '' } }, 'config.hash');
  refused({ ...table, entries: [table.entries[0], { ...table.entries[1], p50Us: -1 }] }, 'entries[1].p50Us');
  refused({ ...table, entries: [table.entries[0], { ...table.entries[1], p99Us: 10 }] }, 'entries[1].p99Us');
  refused({ ...table, entries: [table.entries[0], table.entries[0]] }, 'entries[1].key');
  refused({ ...table, correction: { ...table.correction, method: 'median' } }, 'correction.method');
  refused({ ...table, correction: { ...table.correction, segmentOverheadUs: 4 } }, 'correction.segmentOverheadUs');
  const ridge = { ...table.correction, method: 'ridge-segment-and-primitive', ridgeLambda: 1 };
  refused({ ...table, correction: ridge }, 'correction.primitiveScale');
  refused({ ...table, correction: { ...ridge, primitiveScale: { sep_conv_3x3: -1 } } }, 'correction.primitiveScale.sep_conv_3x3');
  refused({ ...table, correction: { ...ridge, primitiveScale: {}, ridgeLambda: -2 } }, 'correction.ridgeLambda');
  refused({ ...table, correction: { ...ridge, primitiveScale: {}, commonShare: -1 } }, 'correction.commonShare');
});
