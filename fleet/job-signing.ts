/**
 * Signing fleet jobs with Ed25519 (node's own crypto). The operator holds the private key (PEM, PKCS#8);
 * devices hold only public keys they trust (PEM, SPKI), so a device that is stolen cannot issue jobs.
 * A signature covers the payload's exact UTF-8 bytes; the envelope names the key by id (first 16 hex of
 * the sha256 of the raw 32-byte public key) so a device with several trusted keys checks the right one.
 *
 * Same files and ids as the flash path's signing keys (issue 15, `ranas keys generate` → BASE.key + BASE.pub,
 * `ranas device trust` → <bundle-dir>/trusted-keys/<id>.pub): one key pair can sign bundles and jobs, and an
 * agent trusts the keys in its trust folder for both. Plain PEM (PKCS#8 / SPKI), as
 * `openssl genpkey -algorithm ed25519` writes.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RanasError } from '../src/errors.ts';
import type { SignedEnvelope } from './messages.ts';

export interface SigningKey {
  privateKey: KeyObject;
  keyId: string;
}

/** Public keys a device trusts, by key id. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/** Key id: first 16 hex digits of the sha256 of the raw 32-byte public key (an Ed25519 SPKI DER ends with it). */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der.subarray(der.length - 32)).digest('hex').slice(0, 16);
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

/** Writes `<base>.key` (private, mode 0600) and `<base>.pub`; refuses to overwrite. */
export function writeSigningKeyFiles(base: string): { privateFile: string; publicFile: string; keyId: string } {
  const k = generateSigningKeyPem();
  const privateFile = `${base}.key`;
  const publicFile = `${base}.pub`;
  for (const f of [privateFile, publicFile]) if (fs.existsSync(f)) throw new RanasError('E_FLEET_KEY', `key file '${f}' already exists; expected a new path (keys are never overwritten)`, { file: f });
  fs.writeFileSync(privateFile, k.privatePem, { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(publicFile, k.publicPem, { flag: 'wx' });
  return { privateFile, publicFile, keyId: k.keyId };
}

/** The `*.pub` files of a trust folder (`ranas device trust` writes <bundle-dir>/trusted-keys/<id>.pub); none when absent. */
export function trustFolderFiles(trustDir: string): string[] {
  if (!fs.existsSync(trustDir)) return [];
  return fs.readdirSync(trustDir).filter((n) => n.endsWith('.pub') && !n.startsWith('.')).sort().map((n) => path.join(trustDir, n));
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

/** Reads trusted public keys (PEM files); a private key is refused: a device holds public keys only. */
export function readTrustedKeys(files: readonly string[]): TrustedKeys {
  const keys = new Map<string, KeyObject>();
  for (const file of files) {
    if (/PRIVATE KEY/.test(fs.readFileSync(file, 'utf8'))) throw new RanasError('E_FLEET_KEY', `'${file}' holds a PRIVATE key; a device must only hold public keys (the .pub file)`, { file });
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
