/**
 * The one in-memory image dataset type every reader returns and every consumer (splits, augmentation,
 * batch iterator, search, training, eval) reads.
 */

/** Images as uint8 HWC (interleaved channels), one label per image. */
export interface ImageDataset {
  /** `count * height * width * channels` bytes; image i starts at `i * height * width * channels`. */
  readonly images: Uint8Array;
  /** Class index per image, in [0, classNames.length). */
  readonly labels: Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classNames: readonly string[];
  /** CIFAR-100 only: coarse (superclass) label per image. */
  readonly coarseLabels?: Int32Array;
  readonly coarseClassNames?: readonly string[];
  /** Where the data came from (file or folder path plus a note), for run folders and reports. */
  readonly source: string;
}

/** A train/test pair as the official releases split it. */
export interface TrainTest {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/** Bytes in one image of `ds`. */
export function imageBytes(ds: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * ds.channels;
}

/** Copies the images at `indices` (in that order) into a new dataset. */
export function selectImages(ds: ImageDataset, indices: ArrayLike<number>, source = ds.source): ImageDataset {
  const n = indices.length;
  const size = imageBytes(ds);
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  const coarse = ds.coarseLabels ? new Int32Array(n) : undefined;
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
    if (coarse && ds.coarseLabels) coarse[k] = ds.coarseLabels[i];
  }
  return { ...ds, images, labels, count: n, coarseLabels: coarse, source };
}

/** Number of images per class (length = classNames.length). */
export function classCounts(ds: Pick<ImageDataset, 'labels' | 'classNames'>): number[] {
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (const l of ds.labels) counts[l]++;
  return counts;
}
