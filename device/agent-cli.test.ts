/**
 * The real `ranas-agent` process (bin/ranas-agent.mjs): JSON lines on stdin/stdout (good, bad and garbage
 * lines), and the bridge protocol over loopback TCP (flash a real bundle with the device key, infer, stats).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRanasError } from '../src/errors.ts';
import { DeviceClient } from '../firmware-bridge/client/device-client.ts';
import { loadBundleTar } from '../firmware-bridge/client/bundle-tar.ts';
import { startTcpAgent } from './testing/tcp-agent.ts';
import { connectTcp } from '../firmware-bridge/transport/tcp-transport.ts';
import { makeTinyBundles, TINY_SIZE } from './testing/tiny-bundles.ts';
import { parseAgentArgs } from './agent-cli.ts';
import { makeFlashKeys } from '../firmware-bridge/test-support/flash-keys.ts';

const BIN = fileURLToPath(new URL('../bin/ranas-agent.mjs', import.meta.url));
const KEY = 'device-key-for-tests-0123456789';
let dir = '';

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-agent-cli-'));
  await makeTinyBundles(path.join(dir, 'export'), ['tflite']);
  fs.writeFileSync(path.join(dir, 'key'), KEY + '\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const image = Array.from({ length: TINY_SIZE * TINY_SIZE * 3 }, (_, i) => (i * 13) & 255);

test('argument parsing: defaults to --stdio, refuses bad numbers and addresses', () => {
  const o = parseAgentArgs(['node', 'ranas-agent', '--bundle-dir', '/x', '--threads', '2']);
  assert.equal(o.stdio, true);
  assert.equal(o.threads, 2);
  assert.equal(parseAgentArgs(['node', 'ranas-agent', '--bundle-dir', '/x', '--listen', '127.0.0.1:0']).stdio, false);
  assert.throws(() => parseAgentArgs(['node', 'ranas-agent', '--bundle-dir', '/x', '--threads', '0']), /--threads is '0'/);
  assert.throws(() => parseAgentArgs(['node', 'ranas-agent', '--bundle-dir', '/x', '--listen', 'nowhere']), (e) => isRanasError(e, 'E_BAD_OPTION'));
});

test('--mqtt: the agent serves the fleet, not stdio, unless asked; --trust-key repeats', () => {
  const o = parseAgentArgs(['node', 'ranas-agent', '--bundle-dir', '/x', '--mqtt', 'mqtt://127.0.0.1:1883', '--trust-key', 'a.pub', '--trust-key', 'b.pub', '--heartbeat-s', '2']);
  assert.equal(o.stdio, false, 'under systemd stdin is /dev/null: stdio would end the agent at once');
  assert.deepEqual(o.trustKey, ['a.pub', 'b.pub']);
  assert.equal(o.heartbeatS, 2);
  assert.equal(parseAgentArgs(['node', 'ranas-agent', '--bundle-dir', '/x', '--mqtt', 'mqtt://h', '--stdio']).stdio, true);
  assert.deepEqual(parseAgentArgs(['node', 'ranas-agent', '--bundle-dir', '/x']).trustKey, []);
});

test('JSON lines: one answer per line, in order; bad lines answer an error and the agent keeps going', async () => {
  const proc = spawn(process.execPath, [BIN, '--bundle-dir', path.join(dir, 'store-stdio'), '--install', path.join(dir, 'export', 'tflite-int8'), '--stdio', '--warmups', '1', '--profile-runs', '5', '--device-name', 'cli-test'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  const lines = [
    { id: 1, input: image, shape: [TINY_SIZE, TINY_SIZE, 3], budgetUs: 1e9, policy: 'deadline', topK: 3 },
    'this is not json',
    { id: 3, input: image.slice(1), shape: [TINY_SIZE, TINY_SIZE, 3], budgetUs: 1e9 },
    { id: 4, op: 'teleport' },
    { id: 5, inputBase64: Buffer.from(image).toString('base64'), shape: [1, TINY_SIZE, TINY_SIZE, 3], budgetUs: 0, policy: 'confidence' },
    [1, 2, 3],
    { id: 7, op: 'stats' },
    { id: 8, op: 'info' },
  ];
  for (const l of lines) proc.stdin.write((typeof l === 'string' ? l : JSON.stringify(l)) + '\n');
  proc.stdin.end();
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  assert.equal(code, 0);
  const answers = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(answers.length, lines.length);
  assert.equal(answers[0].id, 1);
  assert.equal(answers[0].ok, true);
  assert.equal(answers[0].result.exitIndex, 1);
  assert.equal(answers[0].result.topK.length, 3);
  assert.equal(answers[0].result.segmentLatencyUs.length, 2);
  assert.deepEqual([answers[1].ok, answers[1].error.code], [false, 'E_BAD_REQUEST']);
  assert.deepEqual([answers[2].id, answers[2].ok, answers[2].error.code], [3, false, 'E_BAD_INPUT']);
  assert.deepEqual([answers[3].id, answers[3].error.code], [4, 'E_BAD_REQUEST']);
  assert.equal(answers[4].result.exitIndex, 0);
  assert.equal(answers[4].result.overBudget, true);
  assert.equal(answers[5].ok, false);
  assert.equal(answers[6].result.requests, 3);
  assert.equal(answers[6].result.errors, 1);
  assert.equal(answers[7].result.deviceName, 'cli-test');
  assert.equal(answers[7].result.profile.segments.length, 2);
});

test('bridge over loopback TCP: authenticated flash of a real bundle, then infer and stats', async () => {
  const store = path.join(dir, 'store-tcp');
  const signing = makeFlashKeys(path.join(dir, 'signing'), [store]);
  const { proc, port } = await startTcpAgent(store, path.join(dir, 'key'));
  try {
    const client = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', port) });
    try {
      assert.equal(client.info.activeBundle, undefined);
      const bundle = await loadBundleTar(path.join(dir, 'export', 'tflite-int8'));
      const report = await client.flash(bundle, { keyBytes: Buffer.from(KEY), signingKey: signing.signingKey });
      assert.equal(report.activeBundle?.sha256, bundle.sha256);
      const info = await client.hello();
      assert.equal(info.activeBundle?.sha256, bundle.sha256);
      assert.equal(info.profile?.segments.length, 2);
      assert.equal(info.profile?.overhead?.input.runs, 5, 'the request overhead reaches the host in Info');
      assert.ok((info.profile?.overhead?.answer.p99Us ?? 0) > 0);
      const result = await client.infer({ input: Buffer.from(image), shape: [TINY_SIZE, TINY_SIZE, 3], dtype: 'uint8', budgetUs: 1e9, policy: 'deadline', topK: 2 });
      assert.equal(result.exitIndex, 1);
      assert.equal(result.topK.length, 2);
      await assert.rejects(client.flash(path.join(dir, 'export', 'tflite-fp32'), { keyBytes: Buffer.from('wrong-key-wrong-key-wrong'), signingKey: signing.signingKey }), (e) => isRanasError(e, 'E_AUTH_FAILED'));
      assert.equal((await client.hello()).activeBundle?.sha256, bundle.sha256);
      const stats = await client.stats();
      assert.equal(stats.agent.requests, 1);
      assert.equal(stats.agent.installs, 1);
    } finally {
      await client.close();
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
});
