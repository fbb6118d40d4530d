/**
 * Image files a person points a command at: PNG or JPEG of any size → uint8 RGB HWC, resized (bilinear)
 * to the size a model expects. The format is told by the file's first bytes, not its name; a missing file,
 * a folder with no images, or bytes that are not a PNG/JPEG are typed errors naming the file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { RanasError } from '../errors.ts';
import { resizeBilinear } from './resize.ts';

/** An 8-bit RGB image, row-major HWC. */
export interface RgbImage {
  rgb: Uint8Array;
  height: number;
  width: number;
}

/** Image formats read, by their magic bytes. */
export type ImageFormat = 'png' | 'jpeg';
const MAGIC: Record<ImageFormat, number[]> = { png: [0x89, 0x50, 0x4e, 0x47], jpeg: [0xff, 0xd8, 0xff] };
const DECODE: Record<ImageFormat, (bytes: Buffer) => { data: Uint8Array; width: number; height: number }> = {
  png: (b) => PNG.sync.read(b),
  jpeg: (b) => jpeg.decode(b, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 }),
};

/** File names taken from a folder. */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** The format of `bytes`, or null. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  for (const f of Object.keys(MAGIC) as ImageFormat[]) if (MAGIC[f].every((b, i) => bytes[i] === b)) return f;
  return null;
}

/** Reads a PNG or JPEG into RGB (alpha dropped). */
export function readImageFile(file: string): RgbImage {
  if (!existsSync(file)) throw new RanasError('E_IMAGE_MISSING', `image ${file} does not exist; expected a PNG or JPEG file`, { file });
  if (statSync(file).isDirectory()) throw new RanasError('E_NOT_AN_IMAGE', `${file} is a folder; expected a PNG or JPEG file`, { file });
  const bytes = readFileSync(file);
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new RanasError('E_NOT_AN_IMAGE', `${file} starts with bytes ${head || '(empty file)'}; expected a PNG (89 50 4e 47) or JPEG (ff d8 ff)`, { file });
  }
  let decoded: { data: Uint8Array; width: number; height: number };
  try {
    decoded = DECODE[format](bytes);
  } catch (e) {
    throw new RanasError('E_NOT_AN_IMAGE', `${file} looks like a ${format.toUpperCase()} but does not decode (${e instanceof Error ? e.message : String(e)})`, { file });
  }
  const { data, width, height } = decoded;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height * 4; i += 4) {
    rgb[j++] = data[i];
    rgb[j++] = data[i + 1];
    rgb[j++] = data[i + 2];
  }
  return { rgb, height, width };
}

/** `img` resized to `height`×`width` (a copy of the same pixels when the size already fits). */
export function resizeImage(img: RgbImage, height: number, width: number): RgbImage {
  if (img.height === height && img.width === width) return img;
  return { rgb: resizeBilinear(img.rgb, img.height, img.width, 3, height, width), height, width };
}

/** The image files a path names: the file itself, or a folder's PNG/JPEG files sorted by name. */
export function imageFilesOf(path: string): string[] {
  if (!existsSync(path)) throw new RanasError('E_IMAGE_MISSING', `${path} does not exist; expected a PNG/JPEG file or a folder of them`, { file: path });
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort().map((f) => join(path, f));
  if (files.length === 0) throw new RanasError('E_IMAGE_MISSING', `folder ${path} holds no .png, .jpg or .jpeg files; expected images to classify`, { file: path });
  return files;
}
