/**
 * The device key: the shared secret a flash is authenticated with (HMAC-SHA256 of the bundle bytes). Apart
 * from the bundle tar reader so the agent reads its key without pulling in a tar library.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { RanasError } from '../src/errors.ts';

/** HMAC-SHA256 of the bundle bytes with the device key: the flash's `auth`. */
export function bundleAuth(bytes: Buffer, keyBytes: Buffer): Buffer {
  return createHmac('sha256', keyBytes).update(bytes).digest();
}

/** Reads a device key file: the raw bytes, with surrounding whitespace trimmed when it is text. */
export function readKeyFile(file: string): Buffer {
  const raw = fs.readFileSync(file);
  const text = raw.toString('utf8').trim();
  const key = /^[\x20-\x7e]+$/.test(text) ? Buffer.from(text, 'utf8') : raw;
  if (key.length < 16) throw new RanasError('E_BAD_KEY', `key file '${file}' holds ${key.length} bytes; expected at least 16`);
  return key;
}
