/**
 * The input tensor of `ranas device infer`: a PNG or JPEG of any size (told by its bytes; → uint8 HWC resized
 * to --shape's height × width, alpha dropped), raw tensor bytes, or zeros when no file is given.
 */
import fs from 'node:fs';
import { byteLength, type InputDType } from '../../../bundle-format/dtype.ts';
import { readImageFile, resizeImage, sniffImageFormat } from '../../../data/image-file.ts';
import { RanasError } from '../../../errors.ts';

/** Reads the input tensor; a missing file is E_INPUT_MISSING, a file that claims to be an image but is not, E_NOT_AN_IMAGE. */
export function readInput(file: string | undefined, shape: number[], dtype: InputDType): { input: Buffer; shape: number[]; dtype: InputDType } {
  if (file !== undefined && !fs.existsSync(file)) throw new RanasError('E_INPUT_MISSING', `--input ${file} does not exist; expected a PNG/JPEG image or raw tensor bytes`, { file });
  const head = file === undefined ? new Uint8Array() : fs.readFileSync(file).subarray(0, 4);
  if (file !== undefined && (sniffImageFormat(head) !== null || /\.(png|jpe?g)$/i.test(file))) {
    const [, height = 32, width = 32] = shape;
    const img = resizeImage(readImageFile(file), height, width);
    return { input: Buffer.from(img.rgb.buffer, img.rgb.byteOffset, img.rgb.length), shape: [1, height, width, 3], dtype: 'uint8' };
  }
  const expected = byteLength(shape, dtype);
  const input = file ? fs.readFileSync(file) : Buffer.alloc(expected);
  if (input.length !== expected) {
    throw new RanasError('E_CLI_ARG', `input file ${file} holds ${input.length} bytes; shape [${shape.join(', ')}] ${dtype} needs ${expected}`);
  }
  return { input, shape, dtype };
}
