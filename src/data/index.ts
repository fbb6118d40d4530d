/** The data pipeline: caches, readers, splits, augmentation and batching. Import from here. */
export type { ImageDataset, TrainTest } from './types.ts';
export { classCounts, imageBytes, selectImages } from './types.ts';
export { dataCacheDir } from './cache-dir.ts';
export { cacheState, type DatasetCacheState } from './cache-state.ts';
export { ensureCifar10, ensureCifar100, verifyRelease, type EnsureOptions, type EnsureResult, type FileCheck } from './ensure-cifar.ts';
export { archiveSource, npmCifar10Source, type FetchSource } from './fetch-sources.ts';
export { CIFAR10_CLASSES, CIFAR10_RELEASE, CIFAR100_RELEASE } from './cifar-checksums.ts';
export { decodeCifarBatch, encodeCifarBatch, type CifarFormat } from './cifar-format.ts';
export { loadCifar10, loadCifar100 } from './cifar-loaders.ts';
export { loadCifar10Mini } from './cifar10-mini.ts';
export { loadCifar10OrMini, type DatasetChoice, type DatasetChoiceOptions } from './dataset-choice.ts';
export { loadImageFolder, type ImageFolderOptions } from './image-folder.ts';
export { resizeBilinear } from './resize.ts';
export { splitTrainVal, subset } from './splits.ts';
export {
  augmentBatch, evalBatch, evalBatches, CIFAR10_MEAN, CIFAR10_STD,
  type AugmentOptions, type Batch, type Normalisation,
} from './augment.ts';
export { BatchIterator, type BatchIteratorOptions, type BatchIteratorState, type ScheduledBatch } from './batch-iterator.ts';
export { syntheticDataset, type SyntheticOptions } from './synthetic.ts';
