import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { isRanasError } from '../../src/errors.ts';
import { randomBytes } from 'node:crypto';
import { bundleStatement, flashMac } from '../auth/flash-statements.ts';
import { signStatement } from '../auth/signing-keys.ts';
import { makeFlashKeys } from '../test-support/flash-keys.ts';
import { seededRandom } from '../transport/seeded-random.ts';
import type { FlashBeginMsg } from '../messages.ts';
import { FlashGuard } from './flash-guard.ts';
import { FlashSession } from './flash-session.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** Begins `begin` on `s` with a fresh nonce, as serveDevice does after a Hello. */
async function open(s: FlashSession, keys: ReturnType<typeof makeFlashKeys>, begin: Omit<FlashBeginMsg, 'auth'>) {
  const nonce = randomBytes(16);
  const b = { name: begin.name, version: begin.bundleVersion, sizeBytes: begin.totalBytes, sha256: begin.sha256 };
  return (await s.begin({ ...begin, auth: flashMac(keys.linkKey, nonce, b) }, nonce)).ack;
}

function setup(totalBytes: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-flash-session-'));
  dirs.push(dir);
  const random = seededRandom(5);
  const bundle = Buffer.alloc(totalBytes);
  for (let i = 0; i < totalBytes; i++) bundle[i] = Math.floor(random() * 256);
  const sha256 = createHash('sha256').update(bundle).digest('hex');
  const keys = makeFlashKeys(path.join(dir, 'keys'), [dir]);
  const flashed = { name: 'b', version: 1, sizeBytes: totalBytes, sha256 };
  const begin = { totalBytes, sha256, name: 'b', bundleVersion: 1, resume: true, signature: signStatement(keys.signingKey, bundleStatement(flashed)), keyId: keys.keyId, downgradeSignature: Buffer.alloc(0) };
  const stagingDir = path.join(dir, 'staging');
  const guard = new FlashGuard({ stagingDir, keyBytes: keys.linkKey, maxBundleBytes: 1 << 24, log: () => undefined });
  const session = (releaseChunk?: (b: Buffer) => void) => new FlashSession({ stagingDir, guard, peer: 'test', releaseChunk });
  const stagedFile = path.join(dir, 'staging', `${sha256}.part`);
  const begun = (s: FlashSession, b: Omit<FlashBeginMsg, 'auth'> = begin) => open(s, keys, b);
  return { bundle, sha256, begin, session, stagedFile, begun };
}

/** Sends `bundle[from, to)` in chunks of `chunkBytes` (copies: the decoder hands the session owned bytes). */
async function sendChunks(s: FlashSession, bundle: Buffer, from: number, to: number, chunkBytes: number): Promise<number> {
  let next = from;
  for (let at = from; at < to; at += chunkBytes) {
    const ack = await s.chunk({ offset: at, data: Buffer.from(bundle.subarray(at, Math.min(at + chunkBytes, to))) });
    next = ack.nextOffset;
  }
  return next;
}

test('acknowledged chunks still in memory reach the staging file when the session ends, before a resume looks', async () => {
  const { bundle, begin, session, stagedFile, begun } = setup(700_000);
  const first = session();
  assert.equal((await begun(first)).nextOffset, 0);
  // 620,000 bytes: two gathered writes of 270,000 bytes (≥ 256 KiB) are queued, and 80,000 bytes are still gathered.
  assert.equal(await sendChunks(first, bundle, 0, 620_000, 10_000), 620_000);
  // As on a disconnect: the session is ended without waiting, and a new one resumes at once.
  void first.closeHandle();
  const second = session();
  assert.equal((await begun(second)).nextOffset, 620_000, 'the resume sees every acknowledged byte');
  assert.deepEqual(fs.readFileSync(stagedFile), bundle.subarray(0, 620_000));

  assert.equal(await sendChunks(second, bundle, 620_000, bundle.length, 10_000), bundle.length);
  let installed: Buffer | undefined;
  await second.commit(begin.sha256, async (file) => { installed = fs.readFileSync(file); });
  assert.deepEqual(installed, bundle);
  assert.equal(fs.existsSync(stagedFile), false, 'the staged file is deleted after the install');
});

test('a chunk that does not start at the staged length is not gathered; commit of a corrupted staging file is refused', async () => {
  const { bundle, begin, session, stagedFile, begun } = setup(300_000);
  const s = session();
  await begun(s, { ...begin, resume: false });
  await sendChunks(s, bundle, 0, 100_000, 25_000);
  // A chunk beyond the staged length is held, and written as soon as the gap before it is filled.
  assert.deepEqual(await s.chunk({ offset: 150_000, data: Buffer.from(bundle.subarray(150_000, 160_000)) }), { nextOffset: 100_000, totalBytes: bundle.length, held: true });
  assert.equal(await sendChunks(s, bundle, 100_000, 150_000, 25_000), 160_000, 'the held chunk follows the gap');
  await sendChunks(s, bundle, 160_000, bundle.length, 25_000);
  await s.closeHandle();
  // Flip one staged byte behind the session's back: the sha256 check before install must catch it.
  const staged = fs.readFileSync(stagedFile);
  staged[123_456] ^= 0x01;
  fs.writeFileSync(stagedFile, staged);
  const again = session();
  assert.equal((await begun(again)).nextOffset, bundle.length);
  let installs = 0;
  await assert.rejects(again.commit(begin.sha256, async () => { installs++; }), (e) => isRanasError(e, 'E_CHECKSUM'));
  assert.equal(installs, 0);
});

test('each accepted chunk is released once its staging write is over, and only then', async () => {
  const { bundle, sha256, session, begun } = setup(600_000);
  const released: Buffer[] = [];
  const s = session((b) => released.push(b));
  await begun(s);
  const sent: Buffer[] = [];
  for (let at = 0; at < bundle.length; at += 50_000) {
    const data = Buffer.from(bundle.subarray(at, at + 50_000));
    sent.push(data);
    await s.chunk({ offset: at, data });
  }
  // A chunk before the staged length is not accepted, so it is not the session's to release.
  await s.chunk({ offset: 5, data: Buffer.alloc(10) });
  await s.commit(sha256, async (file) => {
    assert.deepEqual(fs.readFileSync(file), bundle);
    assert.equal(released.length, sent.length, 'every accepted chunk is released before the install');
  });
  assert.deepEqual(new Set(released), new Set(sent));
});
