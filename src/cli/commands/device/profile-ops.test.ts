import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../../../errors.ts';
import { defaultTableFile, runProfileOps } from './profile-ops.ts';

const base = { local: true, preset: 'tiny', nodes: 2, runtime: 'onnx' as const, threads: 1, table: '/nonexistent/t.json', runs: 1, warmups: 0 };

test('profile-ops: without a device or --local it says what it needs; a preset without a searchable grid is refused', async () => {
  await assert.rejects(runProfileOps({ ...base, local: false }), (e) => isRanasError(e) && e.code === 'E_CLI_OPTION' && e.message.includes('--local') && e.message.includes('--port'));
  await assert.rejects(runProfileOps({ ...base, preset: 'msdnet-cifar10' }), (e) => isRanasError(e) && e.code === 'E_CLI_OPTION' && e.message.includes('msdnet'));
  const bridge = { link: { kind: 'tcp' as const, host: '127.0.0.1', port: 1 }, timeoutMs: 1000, json: false, keyFile: 'k', signingKeyFile: 's', sliceMs: 1000 };
  await assert.rejects(runProfileOps({ ...base, local: false, bridge, calibrationMinutes: 3 }), (e) => isRanasError(e) && e.code === 'E_CLI_OPTION' && e.message.includes('--calibration-minutes 3') && e.message.includes('--local'));
  assert.equal(defaultTableFile('small', 'tflite', 2), 'latency-small-tflite-int8-t2.json');
});
