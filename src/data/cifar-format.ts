/**
 * The official CIFAR binary formats (https://www.cs.toronto.edu/~kriz/cifar.html), decoded and encoded as
 * pure functions on bytes. A CIFAR-10 record is 1 label byte + 3072 pixel bytes (1024 R, then 1024 G, then
 * 1024 B, each plane row-major 32×32); a CIFAR-100 record is coarse label byte, fine label byte, then the
 * same 3072 pixel bytes. Decoding converts the planar layout to HWC once, here.
 */
import { RanasError } from '../errors.ts';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE; // per channel
export const CIFAR_IMAGE_BYTES = 3 * CIFAR_PIXELS; // 3072

/** The two record layouts, as data. */
export type CifarFormat = 'cifar10' | 'cifar100';
export const CIFAR_LABEL_BYTES: Record<CifarFormat, number> = { cifar10: 1, cifar100: 2 };
/** Exclusive upper bound per label byte (cifar100: coarse then fine). */
export const CIFAR_LABEL_LIMITS: Record<CifarFormat, readonly number[]> = { cifar10: [10], cifar100: [20, 100] };

/** Bytes per record. */
export function cifarRecordBytes(format: CifarFormat): number {
  return CIFAR_LABEL_BYTES[format] + CIFAR_IMAGE_BYTES;
}

/** Decoded batch: HWC uint8 images and labels (fine labels for CIFAR-100). */
export interface CifarBatch {
  images: Uint8Array;
  labels: Int32Array;
  coarseLabels?: Int32Array;
  count: number;
}

/**
 * Decodes a whole batch file. `file` is only used in error messages. Throws `E_DATA_CORRUPT` (with file and
 * byte offset) on an empty file, a size that is not a whole number of records, or a label out of range.
 */
export function decodeCifarBatch(bytes: Uint8Array, format: CifarFormat, file: string): CifarBatch {
  const recordBytes = cifarRecordBytes(format);
  const labelBytes = CIFAR_LABEL_BYTES[format];
  const limits = CIFAR_LABEL_LIMITS[format];
  if (bytes.length === 0) {
    throw new RanasError('E_DATA_CORRUPT', `${file}: empty file; expected ${format} records of ${recordBytes} bytes`, { file, offset: 0 });
  }
  if (bytes.length % recordBytes !== 0) {
    const offset = bytes.length - (bytes.length % recordBytes);
    throw new RanasError(
      'E_DATA_CORRUPT',
      `${file}: ${bytes.length} bytes is not a whole number of ${recordBytes}-byte ${format} records; ` +
        `the record at byte offset ${offset} is truncated (${bytes.length - offset} bytes)`,
      { file, offset, sizeBytes: bytes.length, recordBytes },
    );
  }
  const count = bytes.length / recordBytes;
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Int32Array(count);
  const coarseLabels = format === 'cifar100' ? new Int32Array(count) : undefined;
  for (let i = 0; i < count; i++) {
    const rec = i * recordBytes;
    for (let b = 0; b < labelBytes; b++) {
      if (bytes[rec + b] >= limits[b]) {
        throw new RanasError(
          'E_DATA_CORRUPT',
          `${file}: label byte ${bytes[rec + b]} at byte offset ${rec + b} (record ${i}) is out of range; expected 0..${limits[b] - 1}`,
          { file, offset: rec + b, record: i },
        );
      }
    }
    if (coarseLabels) {
      coarseLabels[i] = bytes[rec];
      labels[i] = bytes[rec + 1];
    } else {
      labels[i] = bytes[rec];
    }
    planarToHwc(bytes, rec + labelBytes, images, i * CIFAR_IMAGE_BYTES);
  }
  return { images, labels, coarseLabels, count };
}

/** Encodes HWC images + labels as official records (used to write caches, the mini set and test files). */
export function encodeCifarBatch(batch: CifarBatch, format: CifarFormat): Uint8Array {
  const recordBytes = cifarRecordBytes(format);
  const labelBytes = CIFAR_LABEL_BYTES[format];
  const out = new Uint8Array(batch.count * recordBytes);
  for (let i = 0; i < batch.count; i++) {
    const rec = i * recordBytes;
    if (format === 'cifar100') {
      out[rec] = batch.coarseLabels ? batch.coarseLabels[i] : 0;
      out[rec + 1] = batch.labels[i];
    } else {
      out[rec] = batch.labels[i];
    }
    hwcToPlanar(batch.images, i * CIFAR_IMAGE_BYTES, out, rec + labelBytes);
  }
  return out;
}

/** One 32×32×3 image: planar (R plane, G plane, B plane) → interleaved HWC. */
export function planarToHwc(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
  for (let p = 0; p < CIFAR_PIXELS; p++) {
    const d = dstOffset + 3 * p;
    dst[d] = src[srcOffset + p];
    dst[d + 1] = src[srcOffset + CIFAR_PIXELS + p];
    dst[d + 2] = src[srcOffset + 2 * CIFAR_PIXELS + p];
  }
}

/** One 32×32×3 image: interleaved HWC → planar. */
export function hwcToPlanar(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
  for (let p = 0; p < CIFAR_PIXELS; p++) {
    const s = srcOffset + 3 * p;
    dst[dstOffset + p] = src[s];
    dst[dstOffset + CIFAR_PIXELS + p] = src[s + 1];
    dst[dstOffset + 2 * CIFAR_PIXELS + p] = src[s + 2];
  }
}

/** Parses a label-names text file (one name per line; blank lines ignored, as in batches.meta.txt). */
export function parseLabelNames(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}
