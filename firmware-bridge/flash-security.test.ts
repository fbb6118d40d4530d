/**
 * Flash security against a REAL device process over loopback TCP (test-support/fake-device.ts: serveDevice with
 * its FlashGuard), as an attacker would try it: a captured session replayed, a peer without the link key, a
 * second writer, an older version, a bundle signed by another key, hostile traffic in bulk.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError } from '../src/errors.ts';
import { bundleStatement, flashMac, type FlashedBundle } from './auth/flash-statements.ts';
import { signStatement } from './auth/signing-keys.ts';
import { DeviceClient } from './client/device-client.ts';
import { flashedBundleOf, loadBundleTar, type BundleTar } from './client/bundle-tar.ts';
import type { FlashBeginMsg } from './messages.ts';
import { FrameLink } from './rpc/frame-link.ts';
import { RpcClient } from './rpc/rpc-client.ts';
import { connectTcp } from './transport/tcp-transport.ts';
import { TransportBase, type Transport } from './transport/transport.ts';
import { startFakeDevice, type DeviceProcess } from './test-support/device-process.ts';
import { makeFakeBundle } from './test-support/make-bundle.ts';
import { makeFlashKeys, type FlashKeys } from './test-support/flash-keys.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-flash-security-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
const keys: FlashKeys = makeFlashKeys(path.join(work, 'keys'));
const stranger: FlashKeys = makeFlashKeys(path.join(work, 'keys'), [], 'stranger');
let devices = 0;

/** A device process with its own folder; it trusts `keys`' public key only (the folder holds no private key). */
async function device(): Promise<{ proc: DeviceProcess; dir: string; port: number; activeSha: () => string | undefined; staged: () => string[] }> {
  const dir = path.join(work, `device-${++devices}`);
  fs.mkdirSync(path.join(dir, 'trusted-keys'), { recursive: true });
  fs.copyFileSync(keys.publicKeyFile, path.join(dir, 'trusted-keys', `${keys.keyId}.pub`));
  const proc = await startFakeDevice(['--dir', dir, '--listen', '127.0.0.1:0', '--key-file', keys.linkKeyFile]);
  return {
    proc, dir, port: proc.port ?? 0,
    activeSha: () => { const f = path.join(dir, 'active.tar'); return fs.existsSync(f) ? createHash('sha256').update(fs.readFileSync(f)).digest('hex') : undefined; },
    staged: () => (fs.existsSync(path.join(dir, 'staging')) ? fs.readdirSync(path.join(dir, 'staging')) : []),
  };
}

/** Records every byte the host writes (a wiretap on the host's side of the link). */
class RecordingTransport extends TransportBase {
  readonly writes: Buffer[] = [];
  readonly description: string;
  constructor(private readonly inner: Transport) {
    super();
    this.description = `recorded(${inner.description})`;
    inner.on('data', (b) => this.receive(b));
    inner.on('close', (e) => this.closed(e));
  }
  write(bytes: Buffer): Promise<void> { this.writes.push(Buffer.from(bytes)); return this.inner.write(bytes); }
  close(): Promise<void> { return this.inner.close(); }
}

/** A raw RPC client on a new TCP link (for hand-made requests). */
async function raw(port: number): Promise<{ rpc: RpcClient; nonce: Buffer; close: () => Promise<void> }> {
  let seq = randomBytes(4).readUInt32BE() >>> 1;
  const link = new FrameLink(await connectTcp('127.0.0.1', port));
  const rpc = new RpcClient(link, { nextSequence: () => seq++, timeoutMs: 2000, attempts: 2 });
  const info = await rpc.request('hello', { minProtocolVersion: 2, maxProtocolVersion: 2, hostName: 'raw' });
  return { rpc, nonce: info.nonce, close: () => link.close() };
}

/** A FlashBegin with the right link key and signature, for `nonce`. */
function begin(b: FlashedBundle, nonce: Buffer, k: FlashKeys = keys, linkKey = keys.linkKey): FlashBeginMsg {
  return {
    totalBytes: b.sizeBytes, sha256: b.sha256, name: b.name, bundleVersion: b.version, resume: true,
    auth: flashMac(linkKey, nonce, b), signature: signStatement(k.signingKey, bundleStatement(b)), keyId: k.keyId, downgradeSignature: Buffer.alloc(0),
  };
}

async function bundleOf(name: string, version: number, segmentBytes = 20_000): Promise<{ tar: BundleTar; flashed: FlashedBundle }> {
  const tar = await loadBundleTar(makeFakeBundle(path.join(work, `${name}-${version}`), { segmentBytes, seed: version * 13, bundleVersion: version }));
  return { tar, flashed: flashedBundleOf(tar) };
}

async function flash(port: number, tar: BundleTar, extra: { allowDowngrade?: boolean; signingKey?: FlashKeys; transport?: (t: Transport) => Transport } = {}) {
  const client = await DeviceClient.open({ connect: async () => (extra.transport ?? ((t) => t))(await connectTcp('127.0.0.1', port)) });
  try {
    return await client.flash(tar, { keyBytes: keys.linkKey, signingKey: (extra.signingKey ?? keys).signingKey, allowDowngrade: extra.allowDowngrade, maxReconnects: 0 });
  } finally {
    await client.close();
  }
}

test('a captured flash session replayed byte for byte is refused: no rollback, nothing staged', async () => {
  const d = await device();
  try {
    const v1 = await bundleOf('replay', 1);
    let tap: RecordingTransport | undefined;
    await flash(d.port, v1.tar, { transport: (t) => (tap = new RecordingTransport(t)) });
    assert.equal(d.activeSha(), v1.tar.sha256);
    const v2 = await bundleOf('replay', 2);
    await flash(d.port, v2.tar);
    assert.equal(d.activeSha(), v2.tar.sha256);

    // The attacker plays the v1 session's bytes into a new link, as they were sent.
    assert.ok(tap && tap.writes.length > 5);
    const replay = await connectTcp('127.0.0.1', d.port);
    const answers: Buffer[] = [];
    replay.on('data', (b) => answers.push(Buffer.from(b)));
    for (const w of tap.writes) { await replay.write(w); await new Promise((r) => setTimeout(r, 2)); }
    await new Promise((r) => setTimeout(r, 500));
    await replay.close();
    assert.ok(Buffer.concat(answers).includes(Buffer.from('E_AUTH_FAILED')), 'the replayed FlashBegin is refused: its MAC covers an old nonce');
    assert.equal(d.activeSha(), v2.tar.sha256, 'still v2: the replay did not roll the device back');
    assert.deepEqual(d.staged(), [], 'no byte of the replayed bundle was staged');
  } finally {
    await d.proc.stop();
  }
});

test('a peer without the link key stages 0 bytes and cannot disturb a flash in progress; a second writer gets E_BUSY', async () => {
  const d = await device();
  try {
    const legit = await bundleOf('legit', 5, 60_000);
    const owner = await raw(d.port);
    assert.equal((await owner.rpc.request('flashBegin', begin(legit.flashed, owner.nonce))).nextOffset, 0);
    const half = 60_000;
    for (let at = 0; at < half; at += 4096) await owner.rpc.request('flashChunk', { offset: at, data: legit.tar.bytes.subarray(at, Math.min(at + 4096, half)) });
    const stagedFile = path.join(d.dir, 'staging', `${legit.flashed.sha256}.part`);
    // Chunks are acknowledged before they are written (gathered, flushed on a timer: flash-session.ts), so wait
    // for the acknowledged bytes to reach the file before and after the attack.
    const expected = legit.tar.bytes.subarray(0, half);
    const stagedSettles = async () => {
      for (let i = 0; i < 200 && !(fs.existsSync(stagedFile) && fs.readFileSync(stagedFile).equals(expected)); i++) await new Promise((r) => setTimeout(r, 25));
      return fs.readFileSync(stagedFile);
    };
    assert.deepEqual(await stagedSettles(), Buffer.from(expected), 'the owner\'s acknowledged bytes are staged');

    // Keyless: a MAC with a guessed key, for another (big) bundle, then chunks anyway.
    const evil = await bundleOf('evil', 99);
    const attacker = await raw(d.port);
    await assert.rejects(attacker.rpc.request('flashBegin', begin({ ...evil.flashed, sizeBytes: 24 << 20 }, attacker.nonce, keys, Buffer.from('guessed-link-key-0123456789'))), (e) => isRanasError(e, 'E_AUTH_FAILED'));
    await assert.rejects(attacker.rpc.request('flashChunk', { offset: 0, data: Buffer.alloc(4096, 1) }), (e) => isRanasError(e, 'E_NO_FLASH'));
    await attacker.close();
    assert.deepEqual(d.staged(), [`${legit.flashed.sha256}.part`], 'no file for the attacker, the legitimate one kept');
    assert.deepEqual(await stagedSettles(), Buffer.from(expected), 'the legitimate staged bytes are untouched');

    // A second writer with every key: one writer at a time.
    const second = await raw(d.port);
    await assert.rejects(second.rpc.request('flashBegin', begin(evil.flashed, second.nonce)), (e) => isRanasError(e, 'E_BUSY') && /in progress/.test(e.message));
    await second.close();

    // The first flash goes on from where it was and installs.
    for (let at = half; at < legit.tar.bytes.length; at += 4096) await owner.rpc.request('flashChunk', { offset: at, data: legit.tar.bytes.subarray(at, Math.min(at + 4096, legit.tar.bytes.length)) });
    const done = await owner.rpc.request('flashCommit', { sha256: legit.flashed.sha256 });
    assert.equal(done.activeBundle?.sha256, legit.flashed.sha256);
    assert.equal(d.activeSha(), legit.flashed.sha256);
    await owner.close();
  } finally {
    await d.proc.stop();
  }
});

test('an older version is refused without a signed downgrade intent, and installed with one', async () => {
  const d = await device();
  try {
    const v7 = await bundleOf('version', 7);
    const v6 = await bundleOf('version', 6);
    await flash(d.port, v7.tar);
    await assert.rejects(flash(d.port, v6.tar), (e) => isRanasError(e, 'E_DOWNGRADE') && /version 6 is not newer than the installed version 7/.test(e.message));
    const v7b = await bundleOf('version-same', 7, 20_001);
    await assert.rejects(flash(d.port, v7b.tar), (e) => isRanasError(e, 'E_DOWNGRADE'), 'an equal version of other bytes is refused too');
    assert.equal(d.activeSha(), v7.tar.sha256);
    assert.deepEqual(d.staged(), []);
    // A downgrade intent signed by a key the device does not trust is refused.
    const c = await raw(d.port);
    const forged = { ...begin(v6.flashed, c.nonce), downgradeSignature: signStatement(stranger.signingKey, Buffer.from('anything')) };
    await assert.rejects(c.rpc.request('flashBegin', forged), (e) => isRanasError(e, 'E_BAD_SIGNATURE'));
    await c.close();
    const report = await flash(d.port, v6.tar, { allowDowngrade: true });
    assert.equal(report.activeBundle?.sha256, v6.tar.sha256);
    assert.equal(d.activeSha(), v6.tar.sha256);
  } finally {
    await d.proc.stop();
  }
});

test('a device holding only the public key installs a bundle signed by its key and refuses one signed by another key or tampered with', async () => {
  const d = await device();
  try {
    const files = fs.readdirSync(path.join(d.dir, 'trusted-keys'));
    assert.deepEqual(files, [`${keys.keyId}.pub`]);
    assert.doesNotMatch(fs.readFileSync(path.join(d.dir, 'trusted-keys', files[0]), 'utf8'), /PRIVATE/);
    const b = await bundleOf('signed', 20);
    await assert.rejects(flash(d.port, b.tar, { signingKey: stranger }), (e) => isRanasError(e, 'E_UNTRUSTED_KEY'));
    // The right key id with a signature over other fields (a version raised by the attacker).
    const c = await raw(d.port);
    const tampered = { ...begin(b.flashed, c.nonce), bundleVersion: 21, auth: flashMac(keys.linkKey, c.nonce, { ...b.flashed, version: 21 }) };
    await assert.rejects(c.rpc.request('flashBegin', tampered), (e) => isRanasError(e, 'E_BAD_SIGNATURE'));
    await c.close();
    assert.equal(d.activeSha(), undefined);
    assert.deepEqual(d.staged(), []);
    const report = await flash(d.port, b.tar);
    assert.equal(report.activeBundle?.sha256, b.tar.sha256);
    assert.equal(d.activeSha(), b.tar.sha256);
  } finally {
    await d.proc.stop();
  }
});

test('hostile traffic in bulk: refused at once after a burst (rate limit), at most one log line a second with counts', async () => {
  const d = await device();
  try {
    const b = await bundleOf('bulk', 30);
    const codes = new Map<string, number>();
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      const c = await raw(d.port);
      await c.rpc.request('flashBegin', begin(b.flashed, c.nonce, keys, Buffer.from('no-such-link-key-0123456789'))).catch((e: unknown) => {
        const code = isRanasError(e) ? e.code : 'other';
        codes.set(code, (codes.get(code) ?? 0) + 1);
      });
      await c.close();
    }
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1200)); // the last summary line
    const refusalLines = d.proc.logs.filter((l) => l.includes('"flash-refused'));
    console.log(`200 keyless begins in ${seconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(codes))}; ${refusalLines.length} log lines`);
    assert.equal((codes.get('E_AUTH_FAILED') ?? 0) + (codes.get('E_RATE_LIMITED') ?? 0), 200);
    assert.ok((codes.get('E_RATE_LIMITED') ?? 0) > 100, 'most are refused by the rate limit before any check');
    assert.ok(refusalLines.length <= Math.ceil(seconds) + 2, `${refusalLines.length} refusal log lines over ${seconds.toFixed(1)} s`);
    const summary = refusalLines.map((l) => JSON.parse(l) as { message: string }).filter((l) => /more flash requests refused/.test(l.message));
    assert.ok(summary.length >= 1 && /E_RATE_LIMITED ×\d+/.test(summary.map((l) => l.message).join(' ')), 'summaries carry counts by code');
    assert.deepEqual(d.staged(), []);
  } finally {
    await d.proc.stop();
  }
});
