/**
 * Flashing with DEFAULT options over the faulty link: a relay process between two real pseudo-terminal pairs
 * (test-support/faulty-link-relay.ts) at 921,600 baud that flips bits, drops bytes and goes dead for a while,
 * to a separate device process. Short forms of bench/flash-lossy.ts (which times 10 tries per condition).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBundleTar, type BundleTar } from './client/bundle-tar.ts';
import { haveSocat } from './test-support/pty-pair.ts';
import { makeFakeBundle } from './test-support/make-bundle.ts';
import { makeFlashKeys, type FlashKeys } from './test-support/flash-keys.ts';
import { flashOverFaultyLink } from './test-support/lossy-flash-run.ts';

let work: string;
let keys: FlashKeys;
let bundle: BundleTar;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-lossy-'));
  keys = makeFlashKeys(path.join(work, 'keys'));
  bundle = await loadBundleTar(makeFakeBundle(path.join(work, 'bundle'), { segments: 2, segmentBytes: 40_000, seed: 4 }));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('BER 1e-4 both ways: the flash completes with default options and the device holds exactly the bundle', async (t) => {
  if (!haveSocat()) { t.skip('socat not installed (apt-get install -y socat): no pty pairs'); return; }
  const r = await flashOverFaultyLink({ workDir: work, bundle, keys, plan: { seed: 3, bitErrorRate: 1e-4 } });
  assert.ok(r);
  console.log(`BER 1e-4: ${r.seconds.toFixed(2)} s, ${r.report.chunksSent} chunk sends, final chunk ${r.report.finalChunkBytes} B, faults ${JSON.stringify(r.faults)}`);
  assert.ok(r.faults.bitsFlipped > 20, `bits were flipped on the wire: ${r.faults.bitsFlipped}`);
  assert.ok(r.verified, 'the device installed exactly the bundle');
  assert.ok(r.report.finalChunkBytes <= 4096, `chunks stay small on a noisy line (${r.report.finalChunkBytes} B)`);
});

test('byte drops 1e-4 plus a 1.5 s outage mid-flash: the flash completes with default options', async (t) => {
  if (!haveSocat()) { t.skip('socat not installed (apt-get install -y socat): no pty pairs'); return; }
  const r = await flashOverFaultyLink({ workDir: work, bundle, keys, plan: { seed: 5, dropByteRate: 1e-4, outageAtBytes: [Math.round(bundle.bytes.length / 2)], outageMs: 1500 } });
  assert.ok(r);
  console.log(`drops + outage: ${r.seconds.toFixed(2)} s, ${r.report.chunksSent} chunk sends, ${r.report.reconnects} reconnects, faults ${JSON.stringify(r.faults)}`);
  assert.equal(r.faults.outages, 1);
  assert.ok(r.faults.bytesLostInOutages > 0 && r.faults.bytesDropped > 0, JSON.stringify(r.faults));
  assert.ok(r.verified);
});
