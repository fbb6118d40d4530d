import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isRanasError } from '../../src/errors.ts';
import { bundleStatement, flashMac, type FlashedBundle } from '../auth/flash-statements.ts';
import { signStatement } from '../auth/signing-keys.ts';
import { makeFlashKeys } from '../test-support/flash-keys.ts';
import type { FlashBeginMsg } from '../messages.ts';
import { FlashGuard, type StagingWriter } from './flash-guard.ts';
import { PeerRateLimit, peerKeyOf } from './peer-rate-limit.ts';
import { RefusalLog } from './refusal-log.ts';
import type { BridgeLogEvent } from './bridge-log.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-guard-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
const keys = makeFlashKeys(path.join(work, 'keys'), [path.join(work, 'dev')]);
const b: FlashedBundle = { name: 'n', version: 4, sizeBytes: 10 << 20, sha256: 'ab'.repeat(32) };
const beginOf = (nonce: Buffer): FlashBeginMsg => ({
  totalBytes: b.sizeBytes, sha256: b.sha256, name: b.name, bundleVersion: b.version, resume: true,
  auth: flashMac(keys.linkKey, nonce, b), signature: signStatement(keys.signingKey, bundleStatement(b)), keyId: keys.keyId, downgradeSignature: Buffer.alloc(0),
});
const writer = (peer: string): StagingWriter => ({ peer, closeHandle: async () => undefined });

test('the staging quota is checked against free disk space (staged tar + its extraction + reserve)', async () => {
  let free = 30 << 20;
  const guard = new FlashGuard({ stagingDir: path.join(work, 'dev', 'staging'), keyBytes: keys.linkKey, maxBundleBytes: 2 ** 30, log: () => undefined, freeBytes: async () => free });
  const nonce = randomBytes(16);
  const begin = beginOf(nonce);
  await guard.authorize(begin, nonce, 'tcp:127.0.0.1:1');
  await assert.rejects(guard.claim(writer('a'), begin, 0), (e) => isRanasError(e, 'E_NO_SPACE') && /31457280 bytes free .* at least 37748736/.test(e.message));
  await guard.claim(writer('a'), begin, 8 << 20); // 8 MiB already staged: 2 + 10 + 16 MiB needed
  free = 2 ** 40;
});

test('one writer: a second one is busy while the first is active, and takes over once it has been silent for the lease', async () => {
  const guard = new FlashGuard({ stagingDir: path.join(work, 'dev', 'staging2'), keyBytes: keys.linkKey, maxBundleBytes: 2 ** 30, log: () => undefined, leaseMs: 150, freeBytes: async () => 2 ** 40 });
  const begin = beginOf(randomBytes(16));
  let closed = 0;
  const first: StagingWriter = { peer: 'serial:/dev/ttyGS0', closeHandle: async () => { closed++; } };
  await guard.claim(first, begin, 0);
  await assert.rejects(guard.claim(writer('tcp:127.0.0.1:5'), begin, 0), (e) => isRanasError(e, 'E_BUSY') && /serial:\/dev\/ttyGS0/.test(e.message));
  assert.equal(guard.touch(first), true);
  await new Promise((r) => setTimeout(r, 200));
  const second = writer('tcp:127.0.0.1:5');
  await guard.claim(second, begin, 0);
  assert.equal(closed, 1, "the silent writer's session was closed before the takeover");
  assert.equal(guard.touch(first), false, 'the first writer no longer holds the slot');
});

test('rate limit: refusals drain a per-address bucket; accepted requests cost nothing; other addresses are not affected', () => {
  let now = 0;
  const limit = new PeerRateLimit({ burst: 3, perSecond: 1, nowMs: () => now });
  const peer = peerKeyOf('tcp:10.0.0.5:40001');
  assert.equal(peer, peerKeyOf('tcp:10.0.0.5:40002'), 'the port is not part of the peer');
  for (let i = 0; i < 3; i++) { limit.check(peer, 'x'); limit.charge(peer); }
  assert.throws(() => limit.check(peer, 'x'), (e) => isRanasError(e, 'E_RATE_LIMITED'));
  limit.check(peerKeyOf('tcp:10.0.0.6:1'), 'x');
  now += 1000;
  limit.check(peer, 'x');
});

test('refusal log: the first refusal at once, then one summary per interval with counts by code', async () => {
  const lines: BridgeLogEvent[] = [];
  const log = new RefusalLog((e) => lines.push(e), 100);
  for (let i = 0; i < 500; i++) log.record(i % 2 ? 'E_AUTH_FAILED' : 'E_RATE_LIMITED', `tcp:1.2.3.${i % 7}`, 'refused');
  assert.equal(lines.length, 1);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(lines.length, 2);
  assert.match(lines[1].message, /499 more flash requests refused .*E_RATE_LIMITED ×249.*E_AUTH_FAILED ×250|499 more.*E_AUTH_FAILED ×250.*E_RATE_LIMITED ×249/);
  assert.equal(log.refused, 500);
});
