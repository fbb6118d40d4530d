/**
 * Loads the training and test sets a run asked for, applies `--subset` (stratified) and holds out the
 * validation split (stratified) used later to choose budgeted-batch thresholds.
 */
import { loadCifar10 } from '../data/cifar-loaders.ts';
import { loadCifar10Mini } from '../data/cifar10-mini.ts';
import { loadCifar10OrMini } from '../data/dataset-choice.ts';
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

/** Loads the data for a run. */
export async function chooseData(choice: DataChoice, o: { subset?: number; valImages: number; seed: number }): Promise<TrainData> {
  let train: ImageDataset;
  let test: ImageDataset;
  let note: string;
  if (choice === 'cifar10') {
    const c = await loadCifar10OrMini({ fetch: false });
    ({ train, test } = c);
    note = `${c.which}: ${c.reason}`;
  } else if (choice === 'mini') {
    ({ train, test } = loadCifar10Mini());
    note = 'cifar10-mini (shipped subset)';
  } else if (choice === 'synthetic') {
    train = syntheticDataset({ count: 2000, seed: o.seed });
    test = syntheticDataset({ count: 500, seed: o.seed + 1 });
    note = 'synthetic (generated)';
  } else {
    ({ train, test } = loadCifar10(choice.dir));
    note = `CIFAR binary folder ${choice.dir}`;
  }
  if (o.subset !== undefined) train = subset(train, o.subset, o.seed);
  let val: ImageDataset | null = null;
  if (o.valImages > 0) {
    if (o.valImages >= train.count) throw new RanasError('E_TRAIN_OPTION', `--val-images ${o.valImages} must be below the ${train.count} training images`);
    const split = splitTrainVal(train, o.valImages / train.count, o.seed + 17);
    train = split.train;
    val = split.val;
  }
  return { train, val, test, note };
}
