/**
 * The `planned` policy through the real `ranas-agent` process (bin/ranas-agent.mjs) on real split bundles
 * (`--split-heads`): JSON lines on stdio with onnx int8, and the bridge protocol over loopback TCP with TFLite
 * int8 (the policy's wire name). A planned answer at exit k must be the answer the chained segments give at
 * exit k (int8: identical), since head k runs on trunk k's tensors alone.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../firmware-bridge/client/device-client.ts';
import { loadBundleTar } from '../firmware-bridge/client/bundle-tar.ts';
import { startTcpAgent } from '../device/testing/tcp-agent.ts';
import { connectTcp } from '../firmware-bridge/transport/tcp-transport.ts';
import { makeFlashKeys } from '../firmware-bridge/test-support/flash-keys.ts';
import { makeTinyBundles, TINY_SIZE } from '../device/testing/tiny-bundles.ts';

const BIN = fileURLToPath(new URL('../bin/ranas-agent.mjs', import.meta.url));
const KEY = 'device-key-for-tests-0123456789';
let dir = '';

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-planned-'));
  await makeTinyBundles(path.join(dir, 'export'), ['onnx', 'tflite'], { splitHeads: true });
  fs.writeFileSync(path.join(dir, 'key'), KEY + '\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const image = Array.from({ length: TINY_SIZE * TINY_SIZE * 3 }, (_, i) => (i * 13) & 255);

interface Answer { exitIndex: number; classIndex: number; confidence: number; overBudget: boolean; segmentLatencyUs: number[]; exits?: { exitIndex: number; classIndex: number; confidence: number }[] }

test('JSON lines, onnx int8: planned answers from the planned exit\'s head what the chain answers there; parts are profiled', async () => {
  const proc = spawn(process.execPath, [BIN, '--bundle-dir', path.join(dir, 'store-stdio'), '--install', path.join(dir, 'export', 'onnx-int8'), '--stdio', '--warmups', '1', '--profile-runs', '5', '--device-name', 'planned-test'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  const shape = [TINY_SIZE, TINY_SIZE, 3];
  const lines = [
    { id: 1, input: image, shape, budgetUs: 1e9, policy: 'deadline', everyExit: true },
    { id: 2, input: image, shape, budgetUs: 1e9, policy: 'planned' },
    { id: 3, input: image, shape, budgetUs: 0, policy: 'planned' },
    { id: 4, op: 'info' },
  ];
  for (const l of lines) proc.stdin.write(JSON.stringify(l) + '\n');
  proc.stdin.end();
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  assert.equal(code, 0);
  const answers = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(answers.slice(0, 3).every((a) => a.ok), JSON.stringify(answers));
  const [every, deep, shallow]: Answer[] = answers.slice(0, 3).map((a) => a.result);
  const exits = every.exits ?? [];
  assert.equal(exits.length, 2);
  assert.equal(deep.exitIndex, 1);
  assert.equal(deep.segmentLatencyUs.length, 2);
  assert.deepEqual([deep.classIndex, deep.confidence], [exits[1].classIndex, exits[1].confidence]);
  assert.equal(shallow.exitIndex, 0);
  assert.equal(shallow.overBudget, true);
  assert.deepEqual([shallow.classIndex, shallow.confidence], [exits[0].classIndex, exits[0].confidence]);
  const parts = answers[3].result.profile.parts;
  assert.equal(parts.trunks.length, 2);
  assert.equal(parts.heads.length, 2);
  assert.equal(parts.heads[0].runs, 5);
});

test('bridge over loopback TCP, TFLite int8: a split bundle flashes, and infer takes policy planned', async () => {
  const store = path.join(dir, 'store-tcp');
  const signing = makeFlashKeys(path.join(dir, 'signing'), [store]);
  const { proc, port } = await startTcpAgent(store, path.join(dir, 'key'));
  try {
    const client = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', port) });
    try {
      const bundle = await loadBundleTar(path.join(dir, 'export', 'tflite-int8'));
      await client.flash(bundle, { keyBytes: Buffer.from(KEY), signingKey: signing.signingKey });
      const ask = (budgetUs: number, policy: 'planned' | 'deadline', everyExit = false) => client.infer({ input: Buffer.from(image), shape: [TINY_SIZE, TINY_SIZE, 3], dtype: 'uint8', budgetUs, policy, topK: 2, everyExit });
      const every = await ask(1e9, 'deadline', true);
      const deep = await ask(1e9, 'planned');
      const shallow = await ask(0, 'planned');
      assert.equal(deep.exitIndex, 1);
      assert.equal(deep.classIndex, every.exits?.[1].classIndex);
      assert.equal(deep.confidence, every.exits?.[1].confidence);
      assert.equal(shallow.exitIndex, 0);
      assert.equal(shallow.confidence, every.exits?.[0].confidence);
    } finally {
      await client.close();
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
});
