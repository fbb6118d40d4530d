/**
 * Input preprocessing from the manifest, written straight into segment 0's input buffer:
 * - a raw image: uint8 HWC ([H, W, C] or [1, H, W, C]) → x = (pixel / 255 - mean[c]) / std[c] → int8
 *   q = clamp(round(x / scale) + zeroPoint, -128, 127) for int8 models, or float32 → NCHW when the
 *   model is NCHW. Per-channel 256-entry lookup tables make this one table read per value.
 * - an already-normalised tensor in the model's layout: float32 (quantised for int8 models) or int8
 *   (int8 models only; copied as is).
 */
import { RanasError } from '../../src/errors.ts';
import type { BundleInput } from '../../src/bundle-format/manifest.ts';
import { elementCount, type TensorArray } from '../runtimes/runtime.ts';

/** A request's input tensor. */
export type InputData = Uint8Array | Float32Array | Int8Array;

/** Image geometry of a model input. */
export function inputGeometry(input: BundleInput): { height: number; width: number; channels: number } {
  const [, a, b, c] = input.shape;
  return input.layout === 'NHWC' ? { height: a, width: b, channels: c } : { height: b, width: c, channels: a };
}

/** Quantises one real value with TFLite's rounding (half away from zero) and int8 saturation. */
export function quantizeValue(x: number, scale: number, zeroPoint: number): number {
  const q = Math.round(Math.abs(x) / scale) * Math.sign(x) + zeroPoint;
  return q < -128 ? -128 : q > 127 ? 127 : q;
}

/** Precomputed preprocessing of one model input. */
export interface Preprocessor {
  /** Writes `data` (shape and dtype as the request says) into `dst`, the model's input buffer. */
  write(data: InputData, shape: readonly number[], dst: TensorArray): void;
}

function quant(input: BundleInput): { scale: number; zeroPoint: number } | undefined {
  return input.dtype === 'int8' && input.scale !== undefined && input.zeroPoint !== undefined ? { scale: input.scale, zeroPoint: input.zeroPoint } : undefined;
}

export function makePreprocessor(input: BundleInput): Preprocessor {
  const { height, width, channels } = inputGeometry(input);
  const q = quant(input);
  if (input.dtype !== 'float32' && !q) throw new RanasError('E_BAD_INPUT', `model input dtype ${input.dtype} is not supported; expected float32, or int8 with a scale and zero point`);
  // tables[c][pixel] = the model value of that pixel in channel c.
  const tables = Array.from({ length: channels }, (_, c) => Float64Array.from({ length: 256 }, (_, p) => {
    // float32 as in training (src/data/augment.ts), then quantised like the converters' calibration inputs.
    const x = Math.fround((p / 255 - input.mean[c]) / input.std[c]);
    return q ? quantizeValue(x, q.scale, q.zeroPoint) : x;
  }));
  const pixels = height * width;
  const total = elementCount(input.shape);
  const nchw = input.layout === 'NCHW';

  function writeImage(img: Uint8Array, dst: TensorArray): void {
    if (nchw) {
      for (let c = 0; c < channels; c++) {
        const t = tables[c];
        const base = c * pixels;
        for (let i = 0; i < pixels; i++) dst[base + i] = t[img[i * channels + c]];
      }
    } else {
      for (let i = 0; i < pixels; i++) for (let c = 0; c < channels; c++) dst[i * channels + c] = tables[c][img[i * channels + c]];
    }
  }

  return {
    write(data, shape, dst) {
      if (dst.length !== total) throw new RanasError('E_BAD_INPUT', `model input buffer holds ${dst.length} values; the manifest input [${input.shape.join(', ')}] has ${total}`);
      if (data instanceof Uint8Array) {
        const dims = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : [...shape];
        if (dims.length !== 3 || dims[0] !== height || dims[1] !== width || dims[2] !== channels || data.length !== total) {
          throw new RanasError('E_BAD_INPUT', `raw image of shape [${shape.join(', ')}] (${data.length} bytes); expected uint8 HWC [${height}, ${width}, ${channels}]`);
        }
        writeImage(data, dst);
        return;
      }
      if (data.length !== total) throw new RanasError('E_BAD_INPUT', `input tensor of ${data.length} values; the model input [${input.shape.join(', ')}] ${input.layout} has ${total}`);
      if (data instanceof Float32Array) {
        if (q) for (let i = 0; i < total; i++) dst[i] = quantizeValue(data[i], q.scale, q.zeroPoint);
        else dst.set(data);
        return;
      }
      if (!q) throw new RanasError('E_BAD_INPUT', 'an int8 input tensor was given to a float32 model; send float32 or a raw uint8 image');
      dst.set(data);
    },
  };
}
