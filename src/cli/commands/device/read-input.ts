/** The input tensor of `ranas device infer`: a PNG (uint8 HWC), raw tensor bytes, or zeros. */
import fs from 'node:fs';
import { PNG } from 'pngjs';
import { byteLength, type InputDType } from '../../../bundle-format/dtype.ts';
import { RanasError } from '../../../errors.ts';

/** Reads the input tensor: a PNG (→ uint8 HWC, alpha dropped), raw bytes, or zeros when no file is given. */
export function readInput(file: string | undefined, shape: number[], dtype: InputDType): { input: Buffer; shape: number[]; dtype: InputDType } {
  if (file && file.toLowerCase().endsWith('.png')) {
    const png = PNG.sync.read(fs.readFileSync(file));
    const rgb = Buffer.alloc(png.width * png.height * 3);
    for (let i = 0, j = 0; i < png.data.length; i += 4) { rgb[j++] = png.data[i]; rgb[j++] = png.data[i + 1]; rgb[j++] = png.data[i + 2]; }
    return { input: rgb, shape: [1, png.height, png.width, 3], dtype: 'uint8' };
  }
  const expected = byteLength(shape, dtype);
  const input = file ? fs.readFileSync(file) : Buffer.alloc(expected);
  if (input.length !== expected) {
    throw new RanasError('E_CLI_ARG', `input file ${file} holds ${input.length} bytes; shape [${shape.join(', ')}] ${dtype} needs ${expected}`);
  }
  return { input, shape, dtype };
}
