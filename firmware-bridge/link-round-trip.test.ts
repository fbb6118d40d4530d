/**
 * Flash + infer round trips against a REAL separate device process (test-support/fake-device.ts): over
 * loopback TCP and over a real pseudo-terminal pair made by socat.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError } from '../src/errors.ts';
import { DeviceClient } from './client/device-client.ts';
import { loadBundleTar } from './client/bundle-tar.ts';
import { connectTcp } from './transport/tcp-transport.ts';
import { SerialTransport } from './transport/serial-transport.ts';
import { startFakeDevice, type DeviceProcess } from './test-support/device-process.ts';
import { openPtyPair, haveSocat } from './test-support/pty-pair.ts';
import { makeFakeBundle, } from './test-support/make-bundle.ts';
import { fakeClassOf } from './test-support/fake-agent-service.ts';
import { makeFlashKeys, type FlashKeys } from './test-support/flash-keys.ts';

const KEY = 'test-device-key-0123456789abcdef';
let work: string;
let keyFile: string;
let keys: FlashKeys;
/** Signed by a key no device trusts. */
let stranger: FlashKeys;

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bridge-'));
  keyFile = path.join(work, 'device.key');
  fs.writeFileSync(keyFile, KEY + '\n');
  keys = makeFlashKeys(path.join(work, 'keys'), [path.join(work, 'tcp-device'), path.join(work, 'pty-device')]);
  stranger = makeFlashKeys(path.join(work, 'keys'), [], 'stranger');
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function flashAndInfer(client: DeviceClient, deviceDir: string, bundleDir: string): Promise<void> {
  const bundle = await loadBundleTar(bundleDir);
  const progress: number[] = [];
  const report = await client.flash(bundle, { keyBytes: Buffer.from(KEY), signingKey: keys.signingKey, chunkBytes: 4096, onProgress: (p) => progress.push(p.ackedBytes) });
  assert.equal(report.sha256, bundle.sha256);
  assert.equal(report.activeBundle?.sha256, bundle.sha256);
  assert.equal(progress.at(-1), bundle.bytes.length);
  // The device holds exactly the bytes we sent.
  assert.equal(sha256File(path.join(deviceDir, 'active.tar')), bundle.sha256);
  const info = await client.hello();
  assert.equal(info.activeBundle?.sha256, bundle.sha256);
  assert.equal(info.protocolVersion, 3);

  const input = Buffer.alloc(3 * 32 * 32);
  for (let i = 0; i < input.length; i++) input[i] = (i * 7) & 0xff;
  const result = await client.infer({ input, shape: [1, 32, 32, 3], dtype: 'int8', budgetUs: 1e6, policy: 'deadline', topK: 1 });
  assert.equal(result.classIndex, fakeClassOf(input));
  assert.equal(result.label, `class-${fakeClassOf(input)}`);

  // Wrong link key: refused at begin, logged, old bundle still active; a bundle signed by an untrusted key too.
  const other = await loadBundleTar(makeFakeBundle(path.join(work, `other-${Math.random()}`), { seed: 99 }));
  await assert.rejects(client.flash(other, { keyBytes: Buffer.from('a-wrong-key-of-enough-length'), signingKey: keys.signingKey }), (e) => isRanasError(e, 'E_AUTH_FAILED'));
  await assert.rejects(client.flash(other, { keyBytes: Buffer.from(KEY), signingKey: stranger.signingKey }), (e) => isRanasError(e, 'E_UNTRUSTED_KEY'));
  assert.equal(sha256File(path.join(deviceDir, 'active.tar')), bundle.sha256);
  assert.equal((await client.hello()).activeBundle?.sha256, bundle.sha256);

  const stats = await client.stats();
  assert.equal(stats.agent.installs, 1);
  assert.equal(stats.link.flashesRefused, 2);
  assert.ok(stats.link.framesIn > 0);
}

test('flash + infer round trip over loopback TCP with a separate device process', async () => {
  const deviceDir = path.join(work, 'tcp-device');
  const device: DeviceProcess = await startFakeDevice(['--dir', deviceDir, '--listen', '127.0.0.1:0', '--key-file', keyFile]);
  try {
    const port = device.port ?? 0;
    const client = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', port) });
    try {
      await flashAndInfer(client, deviceDir, makeFakeBundle(path.join(work, 'bundle-tcp'), { segmentBytes: 50_000 }));
    } finally {
      await client.close();
    }
    assert.ok(device.logs.some((l) => l.includes('"flash-refused"')), 'the wrong-key flash is logged');
  } finally {
    await device.stop();
  }
});

test('flash + infer round trip over a real pty pair (socat) with a separate device process', async (t) => {
  if (!haveSocat()) { t.skip('socat not installed (apt-get install -y socat): no pty pair'); return; }
  const pty = await openPtyPair();
  if (!pty) { t.skip('no pty pair'); return; }
  const deviceDir = path.join(work, 'pty-device');
  const device = await startFakeDevice(['--dir', deviceDir, '--serial', pty.devicePath, '--baud', '921600', '--key-file', keyFile]);
  try {
    const client = await DeviceClient.open({ connect: () => SerialTransport.open(pty.hostPath, 921_600) });
    try {
      await flashAndInfer(client, deviceDir, makeFakeBundle(path.join(work, 'bundle-pty'), { segmentBytes: 50_000, seed: 2 }));
    } finally {
      await client.close();
    }
  } finally {
    await device.stop();
    await pty.close();
  }
});
