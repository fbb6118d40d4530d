// Op packs on the bridge (protocol 3, `ranas device profile-ops`): signed and MACed under their own domains,
// kept by the agent and never installed; refusals name what was wrong. In memory, with the fake agent service
// (the real agent over real ptys with faults on the wire: test/profile-ops-bridge.test.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError } from '../../src/errors.ts';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';
import { doneBitmap } from '../../src/bundle-format/op-pack.ts';
import { buildOpPack } from '../../src/latency/op-pack-build.ts';
import type { OpModel } from '../../src/bundle-format/latency-table.ts';
import { serveDevice } from './serve-device.ts';
import { memoryTransportPair } from '../transport/memory-transport.ts';
import { DeviceClient } from '../client/device-client.ts';
import { FakeAgentService } from '../test-support/fake-agent-service.ts';
import { makeFlashKeys } from '../test-support/flash-keys.ts';
import { makeFakeBundle } from '../test-support/make-bundle.ts';
import { loadBundleTar } from '../client/bundle-tar.ts';
import { FrameLink } from '../rpc/frame-link.ts';
import { RpcClient } from '../rpc/rpc-client.ts';
import { bundleStatement, flashMac } from '../auth/flash-statements.ts';
import { signStatement } from '../auth/signing-keys.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-op-pack-flash-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
const keys = makeFlashKeys(path.join(work, 'keys'));

const tensor = (name: string) => ({ name, shape: [1, 4, 4, 8], dtype: 'int8' as const, scale: 0.1, zeroPoint: 0 });
const models: OpModel[] = Array.from({ length: 5 }, (_, i) => ({ key: `edge:op${i}|4x4x8>4x4x8`, part: 'edge', bytes: new Uint8Array([i, 1, 2, 3]), inputs: [tensor('x')], outputs: [tensor('y')] }));

async function device(protocolRange?: { min: number; max: number }) {
  const dir = fs.mkdtempSync(path.join(work, 'dev-'));
  fs.mkdirSync(path.join(dir, 'trusted-keys'));
  fs.copyFileSync(keys.publicKeyFile, path.join(dir, 'trusted-keys', `${keys.keyId}.pub`));
  const service = await new FakeAgentService(dir).load();
  const [host, dev] = memoryTransportPair();
  serveDevice(dev, service, { keyBytes: keys.linkKey, stagingDir: path.join(dir, 'staging'), log: () => {}, protocolRange });
  const client = await DeviceClient.open({ connect: async () => host, timeoutMs: 500 });
  return { dir, service, client };
}

const pack = await buildOpPack({ name: 'latency-test-onnx', runtime: 'onnx', models, bundles: [], warmups: 1, runs: 2, bundleRuns: 2, workDir: path.join(work, 'pack') });

test('an op pack is kept, not installed: ProfileOps measures its items in order, skipping those the host has', async () => {
  const d = await device();
  const report = await d.client.flashOpPack(pack, { keyBytes: keys.linkKey, signingKey: keys.signingKey });
  assert.equal(report.activeBundle, undefined, 'nothing was activated');
  assert.equal(d.client.info.installedVersion, 0);
  assert.ok(fs.existsSync(path.join(d.dir, 'op-packs', `${pack.sha256}.tar`)), 'the agent keeps the pack');
  const measured = new Set<string>([models[1].key]);
  const seen: number[] = [];
  for (;;) {
    const a = await d.client.profileOps({ packSha256: pack.sha256, done: doneBitmap(pack.manifest.items, measured), maxMs: 100, threads: 1 });
    for (const e of a.entries) { measured.add(e.key); seen.push(e.item); }
    assert.equal(a.items, 5);
    if (a.remaining === 0) break;
  }
  assert.deepEqual(seen, [0, 2, 3, 4], 'item 1 was already measured');
  const info = await d.client.hello();
  assert.equal(info.installedVersion, 0, 'an op pack does not move the version floor');
  await d.client.close();
});

test('op-pack refusals: signatures and MACs do not cross between bundles and packs; unknown and bad packs are named', async () => {
  const d = await device();
  // Signatures do not cross: a pack's signature does not start a bundle flash, a bundle's does not start a pack.
  const flashed = { name: pack.name, version: 1, sizeBytes: pack.bytes.length, sha256: pack.sha256 };
  const [host, dev] = memoryTransportPair();
  serveDevice(dev, d.service, { keyBytes: keys.linkKey, stagingDir: path.join(d.dir, 'staging'), log: () => {} });
  let seq = 1;
  const rpc = new RpcClient(new FrameLink(host), { nextSequence: () => seq++, timeoutMs: 500, attempts: 2 });
  for (const [kind, signedAs] of [['bundle', 'opPack'], ['opPack', 'bundle']] as const) {
    const { nonce } = await rpc.request('hello', { minProtocolVersion: 2, maxProtocolVersion: 3, hostName: 'h' });
    const begin = {
      totalBytes: flashed.sizeBytes, sha256: flashed.sha256, name: flashed.name, bundleVersion: 1, resume: false, kind,
      auth: flashMac(keys.linkKey, nonce, flashed, kind), signature: signStatement(keys.signingKey, bundleStatement(flashed, signedAs)), keyId: keys.keyId, downgradeSignature: Buffer.alloc(0),
    };
    await assert.rejects(rpc.request('flashBegin', begin), (e) => isRanasError(e, 'E_BAD_SIGNATURE'), `${kind} signed as ${signedAs}`);
    const again = await rpc.request('hello', { minProtocolVersion: 2, maxProtocolVersion: 3, hostName: 'h' });
    // The MAC is domain-separated too: a bundle MAC does not authenticate a pack.
    await assert.rejects(rpc.request('flashBegin', { ...begin, auth: flashMac(keys.linkKey, again.nonce, flashed, signedAs), signature: signStatement(keys.signingKey, bundleStatement(flashed, kind)) }), (e) => isRanasError(e, 'E_AUTH_FAILED'));
  }
  await rpc.link.close();
  await assert.rejects(d.client.profileOps({ packSha256: 'ab'.repeat(32), done: Buffer.alloc(0), maxMs: 10, threads: 1 }), (e) => isRanasError(e, 'E_NO_OP_PACK') && e.message.includes('flashed first'));
  // A pack whose item does not match its manifest's sha256: refused whole, nothing kept.
  const bad = path.join(work, 'bad-pack');
  const good = await buildOpPack({ name: 'latency-bad-onnx', runtime: 'onnx', models, bundles: [], warmups: 1, runs: 2, bundleRuns: 2, workDir: bad });
  fs.writeFileSync(path.join(bad, 'op-00002.onnx'), Buffer.from([9, 9, 9]));
  const tar = await loadBundleTar(bad).catch(() => undefined);
  assert.equal(tar, undefined, 'a pack folder is not a bundle folder (no manifest.json)');
  const { create } = await import('tar');
  const parts: Buffer[] = [];
  for await (const p of create({ cwd: bad, portable: true, noMtime: true }, fs.readdirSync(bad).sort())) parts.push(Buffer.from(p));
  const bytes = Buffer.concat(parts);
  assert.notEqual(sha256Hex(bytes), good.sha256);
  await assert.rejects(d.client.flashOpPack({ bytes, sha256: sha256Hex(bytes), name: 'latency-bad-onnx' }, { keyBytes: keys.linkKey, signingKey: keys.signingKey }), (e) => isRanasError(e, 'E_OP_PACK') && e.message.includes('op-00002.onnx'));
  assert.ok(!fs.existsSync(path.join(d.dir, 'op-packs', `${sha256Hex(bytes)}.tar`)), 'nothing kept');
  await d.client.close();
});

test('a device that speaks protocol 2 only: profile-ops says which versions and what to do', async () => {
  const d = await device({ min: 2, max: 2 });
  await assert.rejects(d.client.flashOpPack(pack, { keyBytes: keys.linkKey, signingKey: keys.signingKey }), (e) => isRanasError(e, 'E_PROTOCOL_VERSION') && e.message.includes('needs protocol 3') && e.message.includes('--local'));
  await assert.rejects(d.client.profileOps({ packSha256: pack.sha256, done: Buffer.alloc(0), maxMs: 10, threads: 1 }), (e) => isRanasError(e, 'E_PROTOCOL_VERSION'));
  // Bundles still flash as before on a protocol-2 link.
  const b = await loadBundleTar(makeFakeBundle(path.join(work, 'b2'), { segments: 1, segmentBytes: 1000, seed: 2 }));
  const r = await d.client.flash(b, { keyBytes: keys.linkKey, signingKey: keys.signingKey, bundleVersion: 7 });
  assert.equal(r.activeBundle?.sha256, b.sha256);
  await d.client.close();
});
