/**
 * Signing fleet jobs with Ed25519 (node's own crypto). The operator holds the private key (PEM, PKCS#8);
 * devices hold only public keys they trust (PEM, SPKI), so a device that is stolen cannot issue jobs.
 * A signature covers the payload's exact UTF-8 bytes; the envelope names the key by id (first 16 hex of
 * the sha256 of its SPKI DER) so a device with several trusted keys checks the right one.
 *
 * Key files are the plain PEM files `openssl genpkey -algorithm ed25519` writes, so the flash path's
 * signing keys (issue 15) can be the same files.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { RanasError } from '../src/errors.ts';
import type { SignedEnvelope } from './messages.ts';

export interface SigningKey {
  privateKey: KeyObject;
  keyId: string;
}

/** Public keys a device trusts, by key id. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/** Key id: first 16 hex digits of the sha256 of the public key's SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** A fresh Ed25519 key pair as PEM text. */
export function generateSigningKeyPem(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** Writes `<base>` (private, mode 0600) and `<base>.pub`; refuses to overwrite. */
export function writeSigningKeyFiles(base: string): { privateFile: string; publicFile: string; keyId: string } {
  const k = generateSigningKeyPem();
  const publicFile = `${base}.pub`;
  for (const f of [base, publicFile]) if (fs.existsSync(f)) throw new RanasError('E_FLEET_KEY', `key file '${f}' already exists; expected a new path (keys are never overwritten)`, { file: f });
  fs.writeFileSync(base, k.privatePem, { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(publicFile, k.publicPem, { flag: 'wx' });
  return { privateFile: base, publicFile, keyId: k.keyId };
}

function ed25519(key: KeyObject, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new RanasError('E_FLEET_KEY', `key file '${file}' holds a ${key.asymmetricKeyType ?? 'symmetric'} key; expected Ed25519`, { file });
  return key;
}

export function readSigningKey(file: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(fs.readFileSync(file));
  } catch (e) {
    throw new RanasError('E_FLEET_KEY', `cannot read a private key from '${file}' (${e instanceof Error ? e.message : String(e)}); expected an Ed25519 PEM (ranas fleet keygen)`, { file });
  }
  ed25519(privateKey, file);
  return { privateKey, keyId: keyIdOf(createPublicKey(privateKey)) };
}

/** Reads trusted public keys (PEM files; a private key file is accepted and only its public half kept). */
export function readTrustedKeys(files: readonly string[]): TrustedKeys {
  const keys = new Map<string, KeyObject>();
  for (const file of files) {
    let pub: KeyObject;
    try {
      pub = createPublicKey(fs.readFileSync(file));
    } catch (e) {
      throw new RanasError('E_FLEET_KEY', `cannot read a public key from '${file}' (${e instanceof Error ? e.message : String(e)}); expected an Ed25519 PEM`, { file });
    }
    keys.set(keyIdOf(ed25519(pub, file)), pub);
  }
  return keys;
}

/** Signs a payload object: the envelope carries its JSON text. */
export function signPayload(payload: object, key: SigningKey): SignedEnvelope {
  const text = JSON.stringify(payload);
  return { payload: text, signature: sign(null, Buffer.from(text, 'utf8'), key.privateKey).toString('base64'), keyId: key.keyId };
}

/** Why an envelope is refused. */
export type SignatureRefusal = 'unknown-key' | 'bad-signature';

/** Verifies an envelope against trusted keys; returns the payload text or why it is refused. */
export function verifyEnvelope(env: SignedEnvelope, trusted: TrustedKeys): { ok: true; payload: string } | { ok: false; reason: SignatureRefusal } {
  const key = trusted.get(env.keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const good = verify(null, Buffer.from(env.payload, 'utf8'), key, Buffer.from(env.signature, 'base64'));
  return good ? { ok: true, payload: env.payload } : { ok: false, reason: 'bad-signature' };
}
