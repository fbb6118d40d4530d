/**
 * Re-creates `data/cifar10-mini/` (the offline dataset shipped in the repo) from the md5-verified CIFAR-10
 * in the cache: the first TRAIN_PER_CLASS images of each class in `data_batch_1.bin` order and the first
 * TEST_PER_CLASS of each class in `test_batch.bin` order, written as official 3073-byte records, gzipped.
 *
 *   node --import tsx scripts/make-cifar10-mini.ts [--dir <cache>]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureCifar10 } from '../src/data/ensure-cifar.ts';
import { CIFAR10_CLASSES } from '../src/data/cifar-checksums.ts';
import { cifarRecordBytes } from '../src/data/cifar-format.ts';
import { bytesDigest } from '../src/data/file-hash.ts';
import { MINI_DIR, MINI_TEST_PER_CLASS, MINI_TRAIN_PER_CLASS } from '../src/data/cifar10-mini.ts';

const dirArg = process.argv.indexOf('--dir');
const cache = await ensureCifar10({ dir: dirArg > 0 ? process.argv[dirArg + 1] : undefined });
const recordBytes = cifarRecordBytes('cifar10');

/** First `perClass` records of each class, in file order, as raw record bytes. */
function pick(file: string, perClass: number): Uint8Array {
  const bytes = readFileSync(join(cache.folder, file));
  const taken = new Array<number>(10).fill(0);
  const out = new Uint8Array(perClass * 10 * recordBytes);
  let n = 0;
  for (let off = 0; off < bytes.length && n < perClass * 10; off += recordBytes) {
    const label = bytes[off];
    if (taken[label] >= perClass) continue;
    taken[label]++;
    out.set(bytes.subarray(off, off + recordBytes), n * recordBytes);
    n++;
  }
  if (n !== perClass * 10) throw new Error(`${file}: only ${n} records picked`);
  return out;
}

mkdirSync(MINI_DIR, { recursive: true });
const parts: [name: string, raw: Uint8Array][] = [
  ['train.bin.gz', pick('data_batch_1.bin', MINI_TRAIN_PER_CLASS)],
  ['test.bin.gz', pick('test_batch.bin', MINI_TEST_PER_CLASS)],
];
const manifest: Record<string, { records: number; rawSha256: string; gzSizeBytes: number }> = {};
for (const [name, raw] of parts) {
  const gz = gzipSync(raw, { level: 9 });
  // gzip header mtime is 0 in Node's zlib, so the output is reproducible
  writeFileSync(join(MINI_DIR, name), gz);
  manifest[name] = { records: raw.length / recordBytes, rawSha256: bytesDigest(raw, 'sha256'), gzSizeBytes: gz.length };
}
writeFileSync(join(MINI_DIR, 'batches.meta.txt'), CIFAR10_CLASSES.join('\n') + '\n');
writeFileSync(join(MINI_DIR, 'manifest.json'), JSON.stringify({ source: cache.source, files: manifest }, null, 2) + '\n');
console.log(JSON.stringify(manifest, null, 2));
