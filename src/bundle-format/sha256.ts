/** The checksum the bundle format records for every file (and a device for every manifest). */
import { createHash } from 'node:crypto';

/** Lowercase hex sha256 of bytes (64 digits). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
