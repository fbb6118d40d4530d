/** Streaming file digests (md5 for the official CIFAR sums, sha256 for our own records). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex digest of a file, read as a stream. */
export async function fileDigest(path: string, algorithm: 'md5' | 'sha256' | 'sha512' = 'md5'): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Hex digest of bytes in memory. */
export function bytesDigest(bytes: Uint8Array, algorithm: 'md5' | 'sha256' = 'md5'): string {
  return createHash(algorithm).update(bytes).digest('hex');
}
