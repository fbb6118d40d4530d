/**
 * `--data DIR`: what a folder holds, decided by its files —
 * - a CIFAR-10 binary release (`data_batch_1.bin`, … here or in `cifar-10-batches-bin/`),
 * - a CIFAR-100 binary release (`train.bin`, `test.bin` here or in `cifar-100-binary/`; fine labels),
 * - otherwise an image folder: one sub-folder per class with PNG/JPEG files, resized to the model input. With
 *   `train/` and `test/` sub-folders (each holding the class folders) those are the splits; otherwise a
 *   stratified 20 % of each class (seeded) is the test split.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from '../errors.ts';
import { CIFAR10_RELEASE, CIFAR100_RELEASE } from './cifar-checksums.ts';
import { loadCifar10, loadCifar100 } from './cifar-loaders.ts';
import { loadImageFolder } from './image-folder.ts';
import { splitTrainVal } from './splits.ts';
import type { TrainTest } from './types.ts';

/** What a data folder holds. */
export type FolderKind = 'cifar10' | 'cifar100' | 'images';

const hasAny = (dir: string, files: string[]) => files.some((f) => existsSync(join(dir, f)));

/** Decides what `dir` holds. */
export function folderKind(dir: string): FolderKind {
  const c10 = Object.keys(CIFAR10_RELEASE.train);
  const c100 = Object.keys(CIFAR100_RELEASE.train);
  if (hasAny(dir, c10) || hasAny(join(dir, CIFAR10_RELEASE.folder), c10)) return 'cifar10';
  if (hasAny(dir, c100) || hasAny(join(dir, CIFAR100_RELEASE.folder), c100)) return 'cifar100';
  return 'images';
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Share of each class held out as the test split of an image folder without train/ and test/. */
export const IMAGE_FOLDER_TEST_FRACTION = 0.2;

/** Loads `dir` as its kind says; image folders are resized to `inputShape` [H, W, C]. */
export function loadFolderDataset(dir: string, o: { inputShape?: readonly number[]; seed?: number } = {}): TrainTest & { note: string; kind: FolderKind } {
  if (!isDir(dir)) throw new RanasError('E_DATA_MISSING', `--data ${dir}: no such folder; expected cifar10, cifar100, mini, synthetic, a CIFAR binary folder or an image folder`, { path: dir });
  const kind = folderKind(dir);
  if (kind === 'cifar10') return { ...loadCifar10(dir), kind, note: `CIFAR-10 binary folder ${dir}` };
  if (kind === 'cifar100') return { ...loadCifar100(dir), kind, note: `CIFAR-100 binary folder ${dir} (fine labels)` };
  const [height, width, c] = o.inputShape ?? [32, 32, 3];
  const channels = c === 1 ? 1 : 3;
  const opts = { height, width, channels } as const;
  if (isDir(join(dir, 'train')) && isDir(join(dir, 'test'))) {
    const train = loadImageFolder(join(dir, 'train'), opts);
    const test = loadImageFolder(join(dir, 'test'), opts);
    if (train.classNames.join('\n') !== test.classNames.join('\n')) {
      throw new RanasError('E_DATA_CLASSES', `${dir}: train/ has classes [${train.classNames.join(', ')}] but test/ has [${test.classNames.join(', ')}]; expected the same class folders`, { path: dir });
    }
    return { train, test, kind, note: `image folder ${dir} (train/ ${train.count}, test/ ${test.count} images, ${train.classNames.length} classes, resized to ${height}x${width})` };
  }
  const all = loadImageFolder(dir, opts);
  const split = splitTrainVal(all, IMAGE_FOLDER_TEST_FRACTION, (o.seed ?? 0) + 101);
  return {
    train: split.train, test: split.val, kind,
    note: `image folder ${dir} (${all.count} images, ${all.classNames.length} classes, resized to ${height}x${width}; stratified ${IMAGE_FOLDER_TEST_FRACTION * 100} % held out as test)`,
  };
}
