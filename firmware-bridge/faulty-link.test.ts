/**
 * Flashing through a fault-injecting link (bit flips at BER 1e-4, randomly dropped bytes, 3 forced
 * disconnects mid-flash) to a REAL separate device process over loopback TCP. The flash must either
 * complete after resuming — and the installed bundle verify — or fail cleanly with the old bundle still
 * active. Never a corrupt install.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceClient } from './client/device-client.ts';
import { loadBundleTar } from './client/bundle-tar.ts';
import { connectTcp } from './transport/tcp-transport.ts';
import { FaultInjector } from './transport/fault-injecting-transport.ts';
import { startFakeDevice, type DeviceProcess } from './test-support/device-process.ts';
import { makeFakeBundle } from './test-support/make-bundle.ts';
import { makeFlashKeys, type FlashKeys } from './test-support/flash-keys.ts';

const KEY = Buffer.from('fault-test-key-0123456789abcdef');
let work: string;
let device: DeviceProcess;
let deviceDir: string;
let keys: FlashKeys;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-faulty-'));
  fs.writeFileSync(path.join(work, 'key'), KEY);
  deviceDir = path.join(work, 'device');
  keys = makeFlashKeys(path.join(work, 'keys'), [deviceDir]);
  device = await startFakeDevice(['--dir', deviceDir, '--listen', '127.0.0.1:0', '--key-file', path.join(work, 'key')]);
});
after(async () => {
  await device.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function activeSha(): string | undefined {
  const file = path.join(deviceDir, 'active.tar');
  return fs.existsSync(file) ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : undefined;
}

test('flash over a link with bit flips, dropped bytes and 3 disconnects: resumes and installs, or leaves the old bundle', async () => {
  const port = device.port ?? 0;
  // A clean first install, so that there is an "old bundle" to protect.
  const oldBundle = await loadBundleTar(makeFakeBundle(path.join(work, 'old'), { segmentBytes: 4000, seed: 5 }));
  const clean = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', port) });
  await clean.flash(oldBundle, { keyBytes: KEY, signingKey: keys.signingKey });
  await clean.close();
  assert.equal(activeSha(), oldBundle.sha256);

  const outcomes: string[] = [];
  for (const seed of [11, 12]) {
    const bundle = await loadBundleTar(makeFakeBundle(path.join(work, `new-${seed}`), { segmentBytes: 20_000, seed }));
    const total = bundle.bytes.length;
    const faults = new FaultInjector({
      seed,
      bitErrorRate: 1e-4,
      dropByteRate: 1e-4,
      disconnectAtBytes: [0.2 * total, 0.45 * total, 0.7 * total],
    });
    const client = await DeviceClient.open({
      connect: async () => faults.wrap(await connectTcp('127.0.0.1', port)),
      timeoutMs: 80,
      attempts: 8,
    });
    const before = activeSha();
    let reconnects = -1;
    try {
      const report = await client.flash(bundle, { keyBytes: KEY, signingKey: keys.signingKey, chunkBytes: 256, window: 4, maxReconnects: 30 });
      reconnects = report.reconnects;
      outcomes.push('installed');
      console.log(`seed ${seed}: installed after ${report.reconnects} reconnects, ${report.chunksSent} chunk sends, faults ${JSON.stringify(faults.counters)}`);
      // Installed: the device's bundle is exactly ours.
      assert.equal(activeSha(), bundle.sha256);
    } catch (e) {
      outcomes.push(`failed: ${e instanceof Error ? e.message : String(e)}`);
      // Failed cleanly: whatever was active before still is, byte for byte.
      assert.equal(activeSha(), before);
    } finally {
      await client.close();
    }
    assert.equal(faults.counters.disconnects, 3, 'all three planned disconnects happened mid-flash');
    assert.ok(faults.counters.bitsFlipped > 0 && faults.counters.bytesDropped > 0, `faults injected: ${JSON.stringify(faults.counters)}`);
    if (reconnects >= 0) assert.ok(reconnects >= 3, `resumed after each disconnect (reconnects ${reconnects})`);
  }
  // With these rates the resume logic must get at least one bundle through.
  assert.ok(outcomes.includes('installed'), outcomes.join('; '));
});

test('an interrupted flash leaves the old bundle active, and a later flash resumes from the staged bytes', async () => {
  const port = device.port ?? 0;
  const before = activeSha();
  const bundle = await loadBundleTar(makeFakeBundle(path.join(work, 'resume'), { segmentBytes: 30_000, seed: 21 }));
  const faults = new FaultInjector({ disconnectAtBytes: [0.6 * bundle.bytes.length] });
  const cut = await DeviceClient.open({ connect: async () => faults.wrap(await connectTcp('127.0.0.1', port)) });
  await assert.rejects(cut.flash(bundle, { keyBytes: KEY, signingKey: keys.signingKey, chunkBytes: 1024, maxReconnects: 0 }), /closed/);
  await cut.close();
  assert.equal(activeSha(), before, 'old bundle untouched by the interrupted flash');

  const resumed = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', port) });
  let firstAcked = -1;
  const report = await resumed.flash(bundle, { keyBytes: KEY, signingKey: keys.signingKey, chunkBytes: 1024, onProgress: (p) => { if (firstAcked < 0) firstAcked = p.ackedBytes; } });
  await resumed.close();
  assert.ok(firstAcked >= 0.4 * bundle.bytes.length, `resumed at ${firstAcked} of ${bundle.bytes.length} bytes`);
  assert.ok(report.chunksSent < Math.ceil(bundle.bytes.length / 1024), `sent ${report.chunksSent} chunks`);
  assert.equal(activeSha(), bundle.sha256);
});

test('with the default chunk size, a link that spoils big chunks gets smaller ones and the flash completes', async () => {
  const port = device.port ?? 0;
  const bundle = await loadBundleTar(makeFakeBundle(path.join(work, 'adaptive'), { segments: 2, segmentBytes: 60_000, seed: 21 }));
  // At BER 3e-5 a 192 KiB chunk (1.6 Mbit) almost never arrives intact; a few KiB usually does.
  const faults = new FaultInjector({ seed: 21, bitErrorRate: 3e-5 });
  const client = await DeviceClient.open({ connect: async () => faults.wrap(await connectTcp('127.0.0.1', port)), timeoutMs: 100, attempts: 3 });
  try {
    const report = await client.flash(bundle, { keyBytes: KEY, signingKey: keys.signingKey, maxReconnects: 40 });
    console.log(`adaptive: ${report.chunksSent} chunk sends, ${report.reconnects} reconnects, final chunk ${report.finalChunkBytes} B, faults ${JSON.stringify(faults.counters)}`);
    assert.equal(activeSha(), bundle.sha256);
    assert.ok(report.finalChunkBytes < 192 * 1024, `chunks shrank (final ${report.finalChunkBytes} B)`);
  } finally {
    await client.close();
  }
});
