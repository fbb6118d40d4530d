/**
 * The offline CIFAR-10 subset shipped in the repo (`data/cifar10-mini/`, < 5 MB): 1,000 training images
 * (100 per class, the first of each class in `data_batch_1.bin`) and 500 test images (50 per class, the first
 * of each class in `test_batch.bin`), in the official 3073-byte record format, gzipped. Re-created by
 * `scripts/make-cifar10-mini.ts`; each file's raw sha256 is in its `manifest.json` and checked on load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RanasError, errorMessage } from '../errors.ts';
import { packagePath } from '../package-root.ts';
import { CIFAR10_CLASSES } from './cifar-checksums.ts';
import { CIFAR_SIDE, decodeCifarBatch } from './cifar-format.ts';
import { bytesDigest } from './file-hash.ts';
import type { ImageDataset, TrainTest } from './types.ts';

export const MINI_TRAIN_PER_CLASS = 100;
export const MINI_TEST_PER_CLASS = 50;
/** Repo folder holding the mini set. */
export const MINI_DIR = packagePath('data', 'cifar10-mini');

function expectedSha256(dir: string, file: string): string | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const files: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'files') : null;
    const entry: unknown = typeof files === 'object' && files !== null ? Reflect.get(files, file) : null;
    const sha: unknown = typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'rawSha256') : null;
    return typeof sha === 'string' ? sha : null;
  } catch {
    return null;
  }
}

function readPart(dir: string, file: string, what: string): ImageDataset {
  const path = join(dir, file);
  if (!existsSync(path)) throw new RanasError('E_DATA_MISSING', `mini CIFAR-10 ${what} file ${path} not found (re-create it with scripts/make-cifar10-mini.ts)`, { file: path });
  let raw: Uint8Array;
  try {
    raw = gunzipSync(readFileSync(path));
  } catch (e) {
    throw new RanasError('E_DATA_CORRUPT', `${path}: not valid gzip (${errorMessage(e)})`, { file: path, offset: 0 });
  }
  const want = expectedSha256(dir, file);
  const got = bytesDigest(raw, 'sha256');
  if (want !== null && want !== got) {
    throw new RanasError('E_DATA_CHECKSUM', `${path}: decompressed sha256 ${got}; expected ${want} from manifest.json`, { file: path });
  }
  const b = decodeCifarBatch(raw, 'cifar10', path);
  return {
    images: b.images, labels: b.labels, count: b.count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3,
    classNames: CIFAR10_CLASSES, source: `cifar10-mini:${path}`,
  };
}

/** The shipped mini CIFAR-10 (1,000 train / 500 test). `dir` overrides the repo folder (tests). */
export function loadCifar10Mini(dir: string = MINI_DIR): TrainTest {
  return { train: readPart(dir, 'train.bin.gz', 'training'), test: readPart(dir, 'test.bin.gz', 'test') };
}
