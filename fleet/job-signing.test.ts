import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError } from '../src/errors.ts';
import { keyIdOf, readSigningKey, readTrustedKeys, signPayload, trustFolderFiles, verifyEnvelope, writeSigningKeyFiles } from './job-signing.ts';

test('key files: BASE.key (0600) + BASE.pub, id = sha256 of the raw public key, never overwritten, private keys never trusted', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-job-keys-'));
  try {
    const k = writeSigningKeyFiles(path.join(dir, 'ops'));
    assert.deepEqual([path.basename(k.privateFile), path.basename(k.publicFile)], ['ops.key', 'ops.pub']);
    assert.equal(fs.statSync(k.privateFile).mode & 0o777, 0o600);
    const raw = createPublicKey(fs.readFileSync(k.publicFile)).export({ format: 'jwk' }).x ?? '';
    assert.equal(k.keyId, createHash('sha256').update(Buffer.from(raw, 'base64url')).digest('hex').slice(0, 16));
    assert.throws(() => writeSigningKeyFiles(path.join(dir, 'ops')), (e) => isRanasError(e, 'E_KEY_EXISTS'));
    assert.throws(() => readTrustedKeys([k.privateFile]), /PRIVATE key/);
    const signer = readSigningKey(k.privateFile);
    assert.equal(signer.keyId, k.keyId);
    // A trust folder as `ranas device trust` fills it.
    const trustDir = path.join(dir, 'trusted-keys');
    fs.mkdirSync(trustDir);
    fs.copyFileSync(k.publicFile, path.join(trustDir, `${k.keyId}.pub`));
    const trusted = readTrustedKeys(trustFolderFiles(trustDir));
    const env = signPayload({ hello: 1 }, signer);
    assert.deepEqual(verifyEnvelope(env, trusted), { ok: true, payload: '{"hello":1}' });
    assert.equal(keyIdOf(createPublicKey(signer.privateKey)), k.keyId);
    assert.deepEqual(trustFolderFiles(path.join(dir, 'absent')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
