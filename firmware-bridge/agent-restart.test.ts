/**
 * The device process is SIGKILLed at 10 seeded random points of one flash (by staged bytes) and restarted on
 * the same folder and port each time; the host's flasher (default options, a 921,600 baud line rate so the flash
 * lasts long enough to be cut) reconnects, resumes from the device's staged length and installs, without any
 * user action.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceClient } from './client/device-client.ts';
import { loadBundleTar } from './client/bundle-tar.ts';
import { connectTcp } from './transport/tcp-transport.ts';
import { ThrottledTransport } from './transport/throttled-transport.ts';
import { seededRandom } from './transport/seeded-random.ts';
import { startFakeDevice, type DeviceProcess } from './test-support/device-process.ts';
import { makeFakeBundle } from './test-support/make-bundle.ts';
import { makeFlashKeys } from './test-support/flash-keys.ts';

test('SIGKILL of the device at 10 random points of a flash: the flasher reconnects, resumes and installs', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-restart-'));
  const dir = path.join(work, 'device');
  const keys = makeFlashKeys(path.join(work, 'keys'), [dir]);
  const args = (port: number) => ['--dir', dir, '--listen', `127.0.0.1:${port}`, '--key-file', keys.linkKeyFile];
  let device: DeviceProcess = await startFakeDevice(args(0));
  const port = device.port ?? 0;
  try {
    const bundle = await loadBundleTar(makeFakeBundle(path.join(work, 'bundle'), { segments: 4, segmentBytes: 75_000, seed: 8 }));
    const random = seededRandom(15);
    const killAt = Array.from({ length: 10 }, () => Math.floor((0.05 + 0.9 * random()) * bundle.bytes.length)).sort((a, b) => a - b);
    const kills: { atBytes: number; fileBytes?: number; resumedAt?: number }[] = [];
    const stagedBytes = () => (fs.existsSync(path.join(dir, 'staging')) ? fs.readdirSync(path.join(dir, 'staging')).reduce((n, f) => n + fs.statSync(path.join(dir, 'staging', f)).size, 0) : 0);
    let restarting: Promise<void> | undefined;
    const client = await DeviceClient.open({ connect: async () => new ThrottledTransport(await connectTcp('127.0.0.1', port), 921_600), baudRate: 921_600 });
    try {
      let lastReconnects = 0;
      const report = await client.flash(bundle, {
        keyBytes: keys.linkKey, signingKey: keys.signingKey,
        onProgress: (p) => {
          if (p.reconnects !== lastReconnects) {
            lastReconnects = p.reconnects;
            const k = kills.at(-1);
            if (k && k.resumedAt === undefined) k.resumedAt = p.ackedBytes;
          }
          if (!restarting && killAt.length > 0 && p.ackedBytes >= killAt[0]) {
            killAt.shift();
            const k: { atBytes: number; fileBytes?: number } = { atBytes: p.ackedBytes };
            kills.push(k);
            restarting = device.kill().then(async () => { k.fileBytes = stagedBytes(); device = await startFakeDevice(args(port)); }).finally(() => { restarting = undefined; });
          }
        },
      });
      await restarting;
      console.log(`${kills.length} kills at ${kills.map((k) => `${k.atBytes} (file ${k.fileBytes}) → ${k.resumedAt ?? '?'}`).join(', ')} bytes; ${report.reconnects} reconnects, ${report.chunksSent} chunk sends`);
      assert.equal(kills.length, 10, 'all 10 kills landed mid-flash');
      assert.ok(report.reconnects >= 10, `reconnected after each kill (${report.reconnects})`);
      for (const k of kills) assert.ok((k.resumedAt ?? 0) > 0, `resumed from the staged bytes, not from 0 (killed at ${k.atBytes}, resumed at ${k.resumedAt})`);
      assert.equal(report.activeBundle?.sha256, bundle.sha256);
      assert.equal(createHash('sha256').update(fs.readFileSync(path.join(dir, 'active.tar'))).digest('hex'), bundle.sha256);
    } finally {
      await client.close();
    }
  } finally {
    await restarting_done(device);
    fs.rmSync(work, { recursive: true, force: true });
  }
});

async function restarting_done(d: DeviceProcess): Promise<void> {
  await d.stop();
}

