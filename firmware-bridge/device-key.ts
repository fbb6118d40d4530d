/**
 * The link key: the secret a host and its device share, with which every flash is authenticated (HMAC over the
 * device's nonce and the bundle's identity, firmware-bridge/auth/). Apart from the bundle tar reader so the agent
 * reads its key without pulling in a tar library.
 */
import fs from 'node:fs';
import { RanasError } from '../src/errors.ts';

/** Reads a device key file: the raw bytes, with surrounding whitespace trimmed when it is text. */
export function readKeyFile(file: string): Buffer {
  if (!fs.existsSync(file)) throw new RanasError('E_KEY_FILE', `key file '${file}' does not exist; expected a file holding the device key (at least 16 bytes; the agent and the host use the same one)`, { file });
  if (!fs.statSync(file).isFile()) throw new RanasError('E_KEY_FILE', `key file '${file}' is not a file; expected a file holding the device key`, { file });
  const raw = fs.readFileSync(file);
  const text = raw.toString('utf8').trim();
  const key = /^[\x20-\x7e]+$/.test(text) ? Buffer.from(text, 'utf8') : raw;
  if (key.length < 16) throw new RanasError('E_BAD_KEY', `key file '${file}' holds ${key.length} bytes; expected at least 16`);
  return key;
}
