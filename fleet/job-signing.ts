/**
 * Signing fleet jobs with Ed25519. The keys are the flash path's (firmware-bridge/auth/signing-keys.ts:
 * `ranas keys generate` → BASE.key + BASE.pub, `ranas device trust` → <bundle-dir>/trusted-keys/<id>.pub), so one
 * key pair signs bundles and jobs and an agent trusts its trust folder for both; a device holds public keys only.
 * This file adds the job envelope: a signature over the payload's exact UTF-8 bytes, naming the key by id so a
 * device with several trusted keys checks the right one.
 */
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { generateSigningKeyPair, keyIdOf, readPublicKey, readSigningKey as readPrivateKey, trustFolderFiles } from '../firmware-bridge/auth/signing-keys.ts';
import type { SignedEnvelope } from './messages.ts';

export { keyIdOf, trustFolderFiles };

/** Writes `<base>.key` (private, mode 0600) and `<base>.pub`; refuses to overwrite (E_KEY_EXISTS). */
export const writeSigningKeyFiles = generateSigningKeyPair;

export interface SigningKey {
  privateKey: KeyObject;
  keyId: string;
}

/** Public keys a device trusts, by key id. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/** A fresh Ed25519 key pair as PEM text, in memory (tests forge jobs with a key the devices do not trust). */
export function generateSigningKeyPem(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** The operator's private key with its id. */
export function readSigningKey(file: string): SigningKey {
  const privateKey = readPrivateKey(file);
  return { privateKey, keyId: keyIdOf(createPublicKey(privateKey)) };
}

/** Reads trusted public keys (PEM files); a private key is refused: a device holds public keys only. */
export function readTrustedKeys(files: readonly string[]): TrustedKeys {
  return new Map(files.map((file) => {
    const key = readPublicKey(file);
    return [keyIdOf(key), key] as const;
  }));
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
