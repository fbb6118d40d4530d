/**
 * Bring-your-own data: a folder with one sub-folder per class holding PNG or JPEG files. Class index =
 * position of the sub-folder in sorted order. Images are decoded with pngjs / jpeg-js, converted to RGB
 * (alpha dropped) or grey, and resized to the model input with bilinear interpolation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { RanasError, errorMessage } from '../errors.ts';
import { resizeBilinear } from './resize.ts';
import type { ImageDataset } from './types.ts';

/** Options for `loadImageFolder`. */
export interface ImageFolderOptions {
  /** Model input size (default 32×32). */
  readonly height?: number;
  readonly width?: number;
  /** 3 = RGB (default), 1 = grey (ITU-R 601 luma). */
  readonly channels?: 1 | 3;
}

type Decoder = (bytes: Buffer) => { width: number; height: number; rgba: Uint8Array };

/** Decoder per file extension (lower case); files with other extensions are ignored. */
const DECODERS: Record<string, Decoder> = {
  '.png': (b) => {
    const p = PNG.sync.read(b);
    return { width: p.width, height: p.height, rgba: p.data };
  },
  '.jpg': (b) => {
    const j = jpeg.decode(b, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    return { width: j.width, height: j.height, rgba: j.data };
  },
};
DECODERS['.jpeg'] = DECODERS['.jpg'];

/** Decodes one image file to RGBA, or throws E_DATA_CORRUPT naming the path. */
export function decodeImageFile(path: string): { width: number; height: number; rgba: Uint8Array } {
  const decoder = DECODERS[extname(path).toLowerCase()];
  if (!decoder) throw new RanasError('E_DATA_FORMAT', `${path}: unsupported image type; expected .png, .jpg or .jpeg`, { path });
  try {
    const img = decoder(readFileSync(path));
    if (img.width < 1 || img.height < 1 || img.rgba.length < img.width * img.height * 4) throw new RanasError('E_DATA_CORRUPT', `decoded ${img.width}×${img.height} with ${img.rgba.length} bytes`);
    return img;
  } catch (e) {
    throw new RanasError('E_DATA_CORRUPT', `${path}: unreadable image (${errorMessage(e)})`, { path });
  }
}

function listDirs(dir: string): string[] {
  return readdirSync(dir).filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory()).sort();
}

/** Loads every image under `dir/<class>/`, resized to the model input. */
export function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): ImageDataset {
  const H = opts.height ?? 32;
  const W = opts.width ?? 32;
  const C = opts.channels ?? 3;
  let classes: string[];
  try {
    classes = listDirs(dir);
  } catch (e) {
    throw new RanasError('E_DATA_MISSING', `${dir}: cannot read the image folder (${errorMessage(e)})`, { path: dir });
  }
  if (classes.length === 0) throw new RanasError('E_DATA_EMPTY', `${dir}: no class sub-folders; expected one sub-folder per class with PNG/JPEG files`, { path: dir });
  const files: [path: string, label: number][] = [];
  classes.forEach((cls, label) => {
    const folder = join(dir, cls);
    const images = readdirSync(folder).filter((f) => !f.startsWith('.') && extname(f).toLowerCase() in DECODERS).sort();
    if (images.length === 0) throw new RanasError('E_DATA_EMPTY', `${folder}: class folder "${cls}" has no .png/.jpg/.jpeg files`, { path: folder });
    for (const f of images) files.push([join(folder, f), label]);
  });
  const size = H * W * C;
  const out = new Uint8Array(files.length * size);
  const labels = new Int32Array(files.length);
  files.forEach(([path, label], i) => {
    const img = decodeImageFile(path);
    const px = img.width * img.height;
    const packed = new Uint8Array(px * C);
    for (let p = 0; p < px; p++) {
      const r = img.rgba[4 * p];
      const g = img.rgba[4 * p + 1];
      const b = img.rgba[4 * p + 2];
      if (C === 3) {
        packed[3 * p] = r;
        packed[3 * p + 1] = g;
        packed[3 * p + 2] = b;
      } else {
        packed[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      }
    }
    out.set(resizeBilinear(packed, img.height, img.width, C, H, W), i * size);
    labels[i] = label;
  });
  return { images: out, labels, count: files.length, height: H, width: W, channels: C, classNames: classes, source: `folder:${dir}` };
}
