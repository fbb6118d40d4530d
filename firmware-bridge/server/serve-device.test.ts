import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError, RanasError } from '../../src/errors.ts';
import { serveDevice, type BridgeLogEvent } from './serve-device.ts';
import { memoryTransportPair } from '../transport/memory-transport.ts';
import { FrameLink } from '../rpc/frame-link.ts';
import { RpcClient } from '../rpc/rpc-client.ts';
import { encodeFrame, type Frame } from '../framing/frame.ts';
import { encodeMessage, decodeMessage, MESSAGE_TYPE_IDS } from '../protocol.ts';
import { DeviceClient } from '../client/device-client.ts';
import { FakeAgentService } from '../test-support/fake-agent-service.ts';
import { makeFlashKeys } from '../test-support/flash-keys.ts';
import { bundleStatement, flashMac, type FlashedBundle } from '../auth/flash-statements.ts';
import { signStatement } from '../auth/signing-keys.ts';
import { createHash } from 'node:crypto';
import type { FlashBeginMsg } from '../messages.ts';

const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-serve-keys-'));
const keys = makeFlashKeys(keysDir);
const KEY = keys.linkKey;

const dirs: string[] = [];
after(() => { for (const d of [...dirs, keysDir]) fs.rmSync(d, { recursive: true, force: true }); });

/** A FlashBegin for `b` MACed over `nonce` and signed with the test key. */
function beginFor(b: FlashedBundle, nonce: Buffer, resume = false): FlashBeginMsg {
  return {
    totalBytes: b.sizeBytes, sha256: b.sha256, name: b.name, bundleVersion: b.version, resume,
    auth: flashMac(KEY, nonce, b), signature: signStatement(keys.signingKey, bundleStatement(b)), keyId: keys.keyId, downgradeSignature: Buffer.alloc(0),
  };
}

/** A device served over an in-memory pair; returns a raw RPC client on the host end. */
async function setup(opts: { installFails?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-serve-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'trusted-keys'));
  fs.copyFileSync(keys.publicKeyFile, path.join(dir, 'trusted-keys', `${keys.keyId}.pub`));
  const service = await new FakeAgentService(dir).load();
  let inferCalls = 0;
  const infer = service.infer.bind(service);
  service.infer = (req) => { inferCalls++; return infer(req); };
  if (opts.installFails) service.installBundle = async () => { throw new RanasError('E_BAD_BUNDLE', 'manifest.json: unknown version 9, expected 1'); };
  const logs: BridgeLogEvent[] = [];
  const [host, device] = memoryTransportPair();
  const server = serveDevice(device, service, { keyBytes: KEY, stagingDir: path.join(dir, 'staging'), maxBundleBytes: 1 << 20, log: (e) => logs.push(e) });
  let seq = 100;
  const link = new FrameLink(host);
  const rpc = new RpcClient(link, { nextSequence: () => seq++, timeoutMs: 200, attempts: 2 });
  return { dir, service, logs, host, link, rpc, server, inferCalls: () => inferCalls };
}

const bundle = Buffer.alloc(10_000, 7);
const sha256 = createHash('sha256').update(bundle).digest('hex');
const flashed: FlashedBundle = { name: 'ones', version: 3, sizeBytes: bundle.length, sha256 };
const hello = { minProtocolVersion: 2, maxProtocolVersion: 2, hostName: 'h' };

test('an unauthenticated flash is refused up front and logged', async () => {
  const s = await setup();
  const { nonce } = await s.rpc.request('hello', hello);
  await assert.rejects(
    s.rpc.request('flashBegin', { ...beginFor(flashed, nonce), auth: Buffer.alloc(0) }),
    (e) => isRanasError(e, 'E_AUTH_REQUIRED'),
  );
  assert.equal(s.logs.filter((l) => l.event === 'flash-refused').length, 1);
  assert.equal(s.server.linkStats().flashesRefused, 1);
});

test('an absurd bundle size is refused before any byte is staged', async () => {
  const s = await setup();
  const { nonce } = await s.rpc.request('hello', hello);
  await assert.rejects(
    s.rpc.request('flashBegin', beginFor({ ...flashed, sizeBytes: 2 << 20 }, nonce)),
    (e) => isRanasError(e, 'E_BUNDLE_TOO_LARGE') && /2097152 bytes/.test(e.message),
  );
  assert.equal(fs.existsSync(path.join(s.dir, 'staging')), false, 'no staging folder was even created');
});

test('a nonce is good for one FlashBegin: a second one on the same Hello is refused; every Hello gives a new nonce', async () => {
  const s = await setup();
  const first = await s.rpc.request('hello', hello);
  const second = await s.rpc.request('hello', hello);
  assert.equal(first.nonce.length, 16);
  assert.notDeepEqual(first.nonce, second.nonce);
  await assert.rejects(s.rpc.request('flashBegin', beginFor(flashed, first.nonce)), (e) => isRanasError(e, 'E_AUTH_FAILED'), 'an older nonce of this link');
  await assert.rejects(s.rpc.request('flashBegin', beginFor(flashed, second.nonce)), (e) => isRanasError(e, 'E_NONCE_REQUIRED'), 'the nonce was used by the refused begin');
  const third = await s.rpc.request('hello', hello);
  assert.equal((await s.rpc.request('flashBegin', beginFor(flashed, third.nonce))).nextOffset, 0);
  await assert.rejects(s.rpc.request('flashBegin', beginFor(flashed, third.nonce)), (e) => isRanasError(e, 'E_NONCE_REQUIRED'));
});

test('protocol versions: highest common version is chosen; no overlap is an error naming both ranges', async () => {
  const s = await setup();
  const info = await s.rpc.request('hello', { minProtocolVersion: 0, maxProtocolVersion: 7, hostName: 'h' });
  assert.equal(info.protocolVersion, 3);
  assert.equal(info.deviceName, 'fake-device');
  assert.equal((await s.rpc.request('hello', { minProtocolVersion: 2, maxProtocolVersion: 2, hostName: 'h' })).protocolVersion, 2, 'a protocol-2 host is still served');
  await assert.rejects(
    s.rpc.request('hello', { minProtocolVersion: 4, maxProtocolVersion: 5, hostName: 'h' }),
    (e) => isRanasError(e, 'E_PROTOCOL_VERSION') && /host speaks 4\.\.5, device speaks 2\.\.3/.test(e.message),
  );
});

test('a repeated request (same sequence) is answered from the replay cache, not executed twice', async () => {
  const s = await setup();
  const input = Buffer.from([1, 2, 3, 4]);
  const wire = encodeFrame({ kind: 'request', sequence: 4242, typeId: MESSAGE_TYPE_IDS.infer, payload: encodeMessage('infer', { input, shape: [4], dtype: 'uint8', budgetUs: 1000, policy: 'deadline', topK: 1 }) });
  const answers: Frame[] = [];
  let wake: () => void = () => undefined;
  s.link.on('frame', (f) => { answers.push({ ...f, payload: Buffer.from(f.payload) }); wake(); });
  const answered = (n: number) => new Promise<void>((resolve) => { wake = () => { if (answers.length >= n) resolve(); }; wake(); });
  await s.host.write(wire);
  await answered(1);
  await s.host.write(wire);
  await answered(2);
  assert.equal(answers.length, 2);
  assert.equal(s.inferCalls(), 1);
  assert.deepEqual(answers[0].payload, answers[1].payload);
  assert.equal(decodeMessage('inferResult', answers[0].payload).classIndex, 10 % 10);
  assert.equal(s.server.linkStats().replays, 1);
});

test('an input whose length does not match shape × dtype is refused with a message naming both', async () => {
  const s = await setup();
  await assert.rejects(
    s.rpc.request('infer', { input: Buffer.alloc(10), shape: [1, 3, 2], dtype: 'float32', budgetUs: 1, policy: 'confidence', topK: 1 }),
    (e) => isRanasError(e, 'E_BAD_INPUT') && /10 bytes .* \(24 bytes\)/.test(e.message),
  );
});

test('resume after a disconnect: a new FlashBegin for the same sha256 answers with the staged length', async () => {
  const s = await setup();
  const { nonce } = await s.rpc.request('hello', hello);
  await s.rpc.request('flashBegin', beginFor(flashed, nonce));
  await s.rpc.request('flashChunk', { offset: 0, data: bundle.subarray(0, 4000) });
  // A chunk beyond the staged length is held (not written yet); the ack says where the gap starts.
  assert.deepEqual(await s.rpc.request('flashChunk', { offset: 6000, data: bundle.subarray(6000, 7000) }), { nextOffset: 4000, totalBytes: bundle.length, held: true });
  // Commit before all bytes arrived is refused.
  await assert.rejects(s.rpc.request('flashCommit', { sha256 }), (e) => isRanasError(e, 'E_FLASH_INCOMPLETE'));
  await s.host.close();
  await s.server.closed;

  // Same staging folder, a new connection (the device process keeps running).
  const service = await new FakeAgentService(s.dir).load();
  const [host, device] = memoryTransportPair();
  serveDevice(device, service, { keyBytes: KEY, stagingDir: path.join(s.dir, 'staging'), log: () => undefined });
  const client = await DeviceClient.open({ connect: async () => host });
  let firstAck = -1;
  const report = await client.flash({ bytes: bundle, sha256, manifestJson: '' }, { keyBytes: KEY, signingKey: keys.signingKey, bundleVersion: 3, chunkBytes: 1000, onProgress: (p) => { if (firstAck < 0) firstAck = p.ackedBytes; } });
  assert.equal(firstAck, 4000);
  assert.equal(report.chunksSent, 6);
  assert.equal(report.activeBundle?.sha256, sha256);
});

test('a failing install reports the agent error, deletes the staged file and keeps the old bundle', async () => {
  const s = await setup({ installFails: true });
  const client = await DeviceClient.open({ connect: async () => s.host });
  await assert.rejects(client.flash({ bytes: bundle, sha256, manifestJson: '' }, { keyBytes: KEY, signingKey: keys.signingKey, bundleVersion: 3 }), (e) => isRanasError(e, 'E_BAD_BUNDLE') && /unknown version 9/.test(e.message));
  assert.deepEqual(fs.readdirSync(path.join(s.dir, 'staging')), []);
  assert.equal((await client.hello()).activeBundle, undefined);
  assert.equal(s.server.linkStats().flashesFailed, 1);
});
