/**
 * Loads CIFAR-10 / CIFAR-100 from a folder in the official binary layout (`cifar-10-batches-bin/`,
 * `cifar-100-binary/`) into `ImageDataset`s. No checksums here (that is `ensureCifar10`'s job); the
 * decoder still refuses truncated files and out-of-range labels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from '../errors.ts';
import { dataCacheDir } from './cache-dir.ts';
import { CIFAR10_CLASSES, CIFAR10_RELEASE, CIFAR100_COARSE_CLASSES, CIFAR100_RELEASE, type CifarRelease } from './cifar-checksums.ts';
import { CIFAR_SIDE, decodeCifarBatch, parseLabelNames, type CifarBatch, type CifarFormat } from './cifar-format.ts';
import type { ImageDataset, TrainTest } from './types.ts';

/**
 * Resolves the folder holding a release's files: `dir` itself if it has the batch files, else
 * `dir/<release folder>`; `dir` defaults to the data cache.
 */
export function resolveReleaseDir(release: CifarRelease, dir: string = dataCacheDir()): string {
  const first = Object.keys(release.train)[0];
  if (existsSync(join(dir, first))) return dir;
  return join(dir, release.folder);
}

function readBatchFiles(folder: string, files: string[], format: CifarFormat, what: string): CifarBatch {
  const parts = files.map((f) => {
    const path = join(folder, f);
    if (!existsSync(path)) {
      throw new RanasError('E_DATA_MISSING', `${what} file ${path} not found; expected the official binary layout (run \`ranas data fetch ${format}\`)`, { file: path });
    }
    return decodeCifarBatch(readFileSync(path), format, path);
  });
  return concatBatches(parts);
}

/** Concatenates decoded batches. */
export function concatBatches(parts: CifarBatch[]): CifarBatch {
  const count = parts.reduce((s, p) => s + p.count, 0);
  const images = new Uint8Array(parts.reduce((s, p) => s + p.images.length, 0));
  const labels = new Int32Array(count);
  const coarse = parts.every((p) => p.coarseLabels) ? new Int32Array(count) : undefined;
  let n = 0;
  let off = 0;
  for (const p of parts) {
    images.set(p.images, off);
    labels.set(p.labels, n);
    if (coarse && p.coarseLabels) coarse.set(p.coarseLabels, n);
    off += p.images.length;
    n += p.count;
  }
  return { images, labels, coarseLabels: coarse, count };
}

function toDataset(b: CifarBatch, classNames: readonly string[], source: string, coarseClassNames?: readonly string[]): ImageDataset {
  return {
    images: b.images, labels: b.labels, count: b.count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3,
    classNames, coarseLabels: b.coarseLabels, coarseClassNames, source,
  };
}

function readNames(path: string, fallback: readonly string[]): readonly string[] {
  if (!existsSync(path)) return fallback;
  const names = parseLabelNames(readFileSync(path, 'utf8'));
  return names.length > 0 ? names : fallback;
}

/** CIFAR-10 from `dir` (default: the cache): the five training batches and the official test batch. */
export function loadCifar10(dir?: string): TrainTest {
  const folder = resolveReleaseDir(CIFAR10_RELEASE, dir);
  const classNames = readNames(join(folder, 'batches.meta.txt'), CIFAR10_CLASSES);
  if (classNames.length !== 10) {
    throw new RanasError('E_DATA_CORRUPT', `${join(folder, 'batches.meta.txt')}: ${classNames.length} class names; expected 10`, { file: join(folder, 'batches.meta.txt') });
  }
  const train = readBatchFiles(folder, Object.keys(CIFAR10_RELEASE.train), 'cifar10', 'CIFAR-10 training');
  const test = readBatchFiles(folder, Object.keys(CIFAR10_RELEASE.test), 'cifar10', 'CIFAR-10 test');
  return {
    train: toDataset(train, classNames, `cifar10:${folder} (data_batch_1..5)`),
    test: toDataset(test, classNames, `cifar10:${folder} (test_batch)`),
  };
}

/** CIFAR-100 from `dir` (default: the cache); labels are the 100 fine classes, `coarseLabels` the 20 superclasses. */
export function loadCifar100(dir?: string): TrainTest {
  const folder = resolveReleaseDir(CIFAR100_RELEASE, dir);
  const fine = readNames(join(folder, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `class_${i}`));
  const coarse = readNames(join(folder, 'coarse_label_names.txt'), CIFAR100_COARSE_CLASSES);
  const train = readBatchFiles(folder, Object.keys(CIFAR100_RELEASE.train), 'cifar100', 'CIFAR-100 training');
  const test = readBatchFiles(folder, Object.keys(CIFAR100_RELEASE.test), 'cifar100', 'CIFAR-100 test');
  return {
    train: toDataset(train, fine, `cifar100:${folder} (train.bin)`, coarse),
    test: toDataset(test, fine, `cifar100:${folder} (test.bin)`, coarse),
  };
}
