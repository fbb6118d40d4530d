/**
 * Loads the training and test sets a run asked for (`--data`: cifar10 | cifar100 | mini | synthetic | DIR),
 * applies `--subset` (stratified) and holds out the validation split (stratified) used later to choose
 * budgeted-batch thresholds. `cifar10`/`cifar100` are the full releases (cached, else fetched, else an error
 * naming the sources tried — never the mini set); DIR is a CIFAR binary folder or an image folder
 * (`data/folder-dataset.ts`), resized to the model input.
 */
import { loadCifarStrict } from '../data/cifar-strict.ts';
import { loadCifar10Mini } from '../data/cifar10-mini.ts';
import { loadFolderDataset } from '../data/folder-dataset.ts';
import { splitTrainVal, subset } from '../data/splits.ts';
import { syntheticDataset } from '../data/synthetic.ts';
import type { ImageDataset } from '../data/types.ts';
import { RanasError } from '../errors.ts';
import type { DataChoice } from './run-options.ts';

/** Train / validation / test datasets and where they came from. */
export interface TrainData {
  train: ImageDataset;
  val: ImageDataset | null;
  test: ImageDataset;
  /** Which data and why (e.g. the mini set because CIFAR-10 is not cached). */
  note: string;
}

/** Options of `chooseData`. */
export interface DataLoadOptions {
  subset?: number;
  /** Held-out validation images, or `auto` (autoValImages). */
  valImages: number | 'auto';
  seed: number;
  /** Model input [H, W, C] image folders are resized to (default 32×32×3). */
  inputShape?: readonly number[];
  /** Progress lines while fetching a release. */
  log?: (line: string) => void;
}

/** The name a dataset goes by in bundles and reports. */
export function dataName(choice: DataChoice): string {
  return typeof choice === 'string' ? choice : choice.dir;
}

/**
 * Validation images `auto` picks: a fifth of the training images, at most 5,000 (MSDNet holds out 5,000 of
 * CIFAR's 50,000), so a run on any --subset gets a split that fits.
 */
export function autoValImages(trainCount: number): number {
  return Math.min(5000, Math.floor(trainCount / 5));
}

/**
 * The validation split a run holds out of `train`: `images` stratified images, seeded by the run seed. Every
 * caller that must hold out the same images (a run, and a search that keeps them out) uses this one split.
 */
export function holdOutSplit(train: ImageDataset, images: number, seed: number): { train: ImageDataset; val: ImageDataset } {
  return splitTrainVal(train, images / train.count, seed + 17);
}

/** Loads the data for a run; `valImages: 'auto'` sizes the validation split from the training set (autoValImages). */
export async function chooseData(choice: DataChoice, o: DataLoadOptions): Promise<TrainData> {
  let train: ImageDataset;
  let test: ImageDataset;
  let note: string;
  if (choice === 'cifar10' || choice === 'cifar100') {
    ({ train, test, note } = await loadCifarStrict(choice, { log: o.log }));
  } else if (choice === 'mini') {
    ({ train, test } = loadCifar10Mini());
    note = 'cifar10-mini (shipped subset)';
  } else if (choice === 'synthetic') {
    train = syntheticDataset({ count: 2000, seed: o.seed });
    test = syntheticDataset({ count: 500, seed: o.seed + 1 });
    note = 'synthetic (generated)';
  } else {
    ({ train, test, note } = loadFolderDataset(choice.dir, { inputShape: o.inputShape, seed: o.seed }));
  }
  if (o.subset !== undefined) train = subset(train, o.subset, o.seed);
  let val: ImageDataset | null = null;
  const valImages = o.valImages === 'auto' ? autoValImages(train.count) : o.valImages;
  if (valImages > 0) {
    if (valImages >= train.count) throw new RanasError('E_TRAIN_OPTION', `--val-images ${valImages} must be below the ${train.count} training images`);
    const split = holdOutSplit(train, valImages, o.seed);
    train = split.train;
    val = split.val;
  }
  return { train, val, test, note };
}
