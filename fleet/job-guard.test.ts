/**
 * Which jobs a device acts on: signed by a trusted key, for this device, a fresh seq, a newer version —
 * and the same job again (after a reconnect) resumes instead of being refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { acceptedState, decideJob, emptyFleetState, type DeviceFleetState } from './job-guard.ts';
import { keyIdOf, signPayload, type SigningKey } from './job-signing.ts';
import type { FleetJob, JobStatus } from './messages.ts';

function key(): SigningKey & { trusted: Map<string, import('node:crypto').KeyObject> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  return { privateKey, keyId, trusted: new Map([[keyId, publicKey]]) };
}

const SHA_NEW = 'b'.repeat(64);
const SHA_OLD = 'a'.repeat(64);

function job(over: Partial<FleetJob> = {}): FleetJob {
  return {
    format: 'ranas-fleet-job', jobId: 'r1.i.dev-1', rolloutId: 'r1', device: 'dev-1', seq: 1000, action: 'install',
    bundle: { name: 'm', sha256: SHA_NEW, sizeBytes: 10, version: 2 }, url: 'http://127.0.0.1:1/bundles/x.tar', health: { inferences: 2 }, issuedAt: '2026-01-01T00:00:00Z', ...over,
  };
}

const status = (j: FleetJob, state: JobStatus['state']): JobStatus => ({ jobId: j.jobId, rolloutId: j.rolloutId, action: j.action, state, at: 'now' });
const onOld: DeviceFleetState = { ...emptyFleetState(), release: { sha256: SHA_OLD, version: 1 } };

test('a signed job for this device with a newer version is accepted', () => {
  const k = key();
  const d = decideJob(JSON.stringify(signPayload(job(), k)), 'dev-1', onOld, k.trusted);
  assert.equal(d.kind, 'accept');
  assert.equal(d.kind === 'accept' && d.job.bundle.version, 2);
});

test('refusals: unknown key, tampered payload, another device, malformed', () => {
  const k = key();
  const other = key();
  const signedByOther = signPayload(job(), other);
  assert.deepEqual(pick(decideJob(JSON.stringify(signedByOther), 'dev-1', onOld, k.trusted)), 'unknown-key');
  // The other key's signature presented under our key id: the signature does not verify.
  assert.deepEqual(pick(decideJob(JSON.stringify({ ...signedByOther, keyId: k.keyId }), 'dev-1', onOld, k.trusted)), 'bad-signature');
  const env = signPayload(job(), k);
  const tampered = { ...env, payload: env.payload.replace('"version":2', '"version":9') };
  assert.notEqual(tampered.payload, env.payload);
  assert.equal(pick(decideJob(JSON.stringify(tampered), 'dev-1', onOld, k.trusted)), 'bad-signature');
  assert.equal(pick(decideJob(JSON.stringify(env), 'dev-2', onOld, k.trusted)), 'wrong-device');
  assert.equal(pick(decideJob('not json', 'dev-1', onOld, k.trusted)), 'malformed');
  assert.equal(pick(decideJob(JSON.stringify(signPayload({ ...job(), seq: -1 }, k)), 'dev-1', onOld, k.trusted)), 'malformed');
});

test('replay, stale seq and older versions are refused; the same job again resumes', () => {
  const k = key();
  const first = job();
  const after1 = acceptedState(onOld, first, status(first, 'succeeded'));
  const again = decideJob(JSON.stringify(signPayload(first, k)), 'dev-1', after1, k.trusted);
  assert.equal(again.kind, 'resume', 'the retained job after a reconnect is the current one');
  const second = job({ jobId: 'r2.i.dev-1', rolloutId: 'r2', seq: 2000, bundle: { ...first.bundle, sha256: 'c'.repeat(64), version: 3 } });
  const after2 = acceptedState({ ...after1, release: { sha256: 'c'.repeat(64), version: 3 } }, second, status(second, 'succeeded'));
  assert.equal(pick(decideJob(JSON.stringify(signPayload(first, k)), 'dev-1', after2, k.trusted)), 'replayed');
  assert.equal(pick(decideJob(JSON.stringify(signPayload({ ...first, seq: 3000 }, k)), 'dev-1', after2, k.trusted)), 'replayed', 'a re-signed old id is still a replay');
  assert.equal(pick(decideJob(JSON.stringify(signPayload(job({ jobId: 'r0', seq: 1500 }), k)), 'dev-1', after2, k.trusted)), 'stale-seq');
  const older = job({ jobId: 'r3.i.dev-1', seq: 4000, bundle: { ...first.bundle, version: 3 } });
  assert.equal(pick(decideJob(JSON.stringify(signPayload(older, k)), 'dev-1', after2, k.trusted)), 'older-version', 'same version, other bundle');
  const rollback = job({ jobId: 'r2.r.dev-1', seq: 5000, action: 'rollback', bundle: second.bundle });
  assert.equal(decideJob(JSON.stringify(signPayload(rollback, k)), 'dev-1', after2, k.trusted).kind, 'accept', 'a signed rollback needs no newer version');
});

function pick(d: ReturnType<typeof decideJob>): string {
  return d.kind === 'refuse' ? d.reason : d.kind;
}
