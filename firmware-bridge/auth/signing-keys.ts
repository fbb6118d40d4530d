/**
 * Ed25519 keys for bundle signatures (node's own crypto). The host keeps the private key (PKCS#8 PEM, mode
 * 0600, written by `ranas keys generate`); a device keeps only public keys (SPKI PEM) in its trust folder
 * (`ranas device trust`), so a stolen device can verify but never sign. A key is named by its id: the first
 * 16 hex digits of the sha256 of its raw 32-byte public key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';

/** A trusted public key and its id. */
export interface TrustedKey {
  id: string;
  key: KeyObject;
}

/** Key id: sha256 of the raw public key, first 16 hex digits. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // An Ed25519 SPKI is a fixed 12-byte header then the 32-byte raw key.
  return createHash('sha256').update(der.subarray(der.length - 32)).digest('hex').slice(0, 16);
}

/** Writes a new key pair: `<base>.key` (private, 0600) and `<base>.pub`; refuses to overwrite. */
export function generateSigningKeyPair(base: string): { privateFile: string; publicFile: string; keyId: string } {
  const privateFile = `${base}.key`;
  const publicFile = `${base}.pub`;
  for (const f of [privateFile, publicFile]) {
    if (fs.existsSync(f)) throw new RanasError('E_KEY_EXISTS', `'${f}' already exists; expected a new path (keys are never overwritten)`, { file: f });
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  fs.mkdirSync(path.dirname(path.resolve(privateFile)), { recursive: true });
  fs.writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  return { privateFile, publicFile, keyId: keyIdOf(publicKey) };
}

function ed25519(key: KeyObject, file: string, kind: 'private' | 'public'): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new RanasError('E_BAD_KEY', `'${file}' holds a ${key.asymmetricKeyType ?? 'symmetric'} key; expected an Ed25519 ${kind} key`, { file });
  }
  return key;
}

/** Reads a private signing key (PEM). */
export function readSigningKey(file: string): KeyObject {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RanasError('E_NOT_FOUND', `signing key '${file}' cannot be read (${e instanceof Error ? e.message : String(e)}); expected a file from 'ranas keys generate'`, { file });
  }
  try {
    return ed25519(createPrivateKey(text), file, 'private');
  } catch (e) {
    if (e instanceof RanasError) throw e;
    throw new RanasError('E_BAD_KEY', `'${file}' is not a PEM private key: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
}

/** Reads a public key (PEM). */
export function readPublicKey(file: string): KeyObject {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RanasError('E_NOT_FOUND', `public key '${file}' cannot be read (${e instanceof Error ? e.message : String(e)}); expected a .pub file from 'ranas keys generate'`, { file });
  }
  if (/PRIVATE KEY/.test(text)) throw new RanasError('E_BAD_KEY', `'${file}' holds a PRIVATE key; a device must only hold public keys (the .pub file)`, { file });
  try {
    return ed25519(createPublicKey(text), file, 'public');
  } catch (e) {
    if (e instanceof RanasError) throw e;
    throw new RanasError('E_BAD_KEY', `'${file}' is not a PEM public key: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
}

/** Ed25519 signature of `message`. */
export function signStatement(privateKey: KeyObject, message: Buffer): Buffer {
  return sign(null, message, privateKey);
}

/** True when `signature` is a valid Ed25519 signature of `message` by `key`. */
export function verifyStatement(key: KeyObject, message: Buffer, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  return verify(null, message, key, signature);
}

/** Copies a public key into a trust folder as `<id>.pub`; returns its id. */
export function trustPublicKey(trustDir: string, publicFile: string): string {
  const key = readPublicKey(publicFile);
  const id = keyIdOf(key);
  fs.mkdirSync(trustDir, { recursive: true });
  const tmp = path.join(trustDir, `.${id}.pub.tmp`);
  fs.writeFileSync(tmp, key.export({ type: 'spki', format: 'pem' }));
  fs.renameSync(tmp, path.join(trustDir, `${id}.pub`));
  return id;
}

/** The `*.pub` files of a trust folder, sorted (none when the folder does not exist). */
export function trustFolderFiles(trustDir: string): string[] {
  if (!fs.existsSync(trustDir)) return [];
  return fs.readdirSync(trustDir).filter((n) => n.endsWith('.pub') && !n.startsWith('.')).sort().map((n) => path.join(trustDir, n));
}

/** Every `*.pub` in a trust folder (none when the folder does not exist). */
export function loadTrustedKeys(trustDir: string): TrustedKey[] {
  return trustFolderFiles(trustDir).map((file) => {
    const key = readPublicKey(file);
    return { id: keyIdOf(key), key };
  });
}
