/**
 * Parsing of the attributes tfjs passes to convolution gradient kernels, and the geometry every kernel
 * here shares (TF semantics, NHWC only).
 */
import { tf } from '../tf.ts';
import { RanasError } from '../../errors.ts';

/** Padding as tfjs kernels receive it. */
export type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** Parsed attributes of a 2-D convolution gradient kernel. */
export interface ConvAttrs {
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** `inputShape` (backprop input) or `filterShape` (backprop filter). */
  shape: [number, number, number, number];
}

function pair(v: unknown, name: string, kernel: string): [number, number] {
  if (v === undefined) return [1, 1];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')) return [v[0], v[1]];
  throw new RanasError('E_KERNEL_ATTR', `${kernel}: attribute ${name} is ${JSON.stringify(v)}; expected a number or [h, w]`);
}

function shape4(v: unknown, name: string, kernel: string): [number, number, number, number] {
  if (Array.isArray(v) && v.length === 4 && v.every((n) => Number.isInteger(n))) return [v[0], v[1], v[2], v[3]];
  throw new RanasError('E_KERNEL_ATTR', `${kernel}: attribute ${name} is ${JSON.stringify(v)}; expected a rank-4 shape`);
}

function isExplicit(v: unknown): v is tf.backend_util.ExplicitPadding {
  return Array.isArray(v) && v.length === 4 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === 'number'));
}

function pad(v: unknown, kernel: string): Pad {
  if (v === 'same' || v === 'valid' || typeof v === 'number' || isExplicit(v)) return v;
  throw new RanasError('E_KERNEL_ATTR', `${kernel}: attribute pad is ${JSON.stringify(v)}; expected 'same', 'valid', a number or explicit padding`);
}

function rounding(v: unknown, kernel: string): ConvAttrs['dimRoundingMode'] {
  if (v === undefined || v === null) return undefined;
  if (v === 'floor' || v === 'round' || v === 'ceil') return v;
  throw new RanasError('E_KERNEL_ATTR', `${kernel}: attribute dimRoundingMode is ${JSON.stringify(v)}; expected floor, round or ceil`);
}

/** Parses the attributes of a conv gradient kernel; `shapeKey` names the shape attribute. */
export function parseConvAttrs(attrs: tf.NamedAttrMap | undefined, shapeKey: 'inputShape' | 'filterShape', kernel: string): ConvAttrs {
  const a: Record<string, unknown> = attrs ?? {};
  const format = a.dataFormat;
  if (format !== undefined && format !== 'NHWC') {
    throw new RanasError('E_KERNEL_ATTR', `${kernel}: dataFormat is ${String(format)}; the engine supports NHWC only`);
  }
  return {
    strides: pair(a.strides, 'strides', kernel),
    dilations: pair(a.dilations, 'dilations', kernel),
    pad: pad(a.pad, kernel),
    dimRoundingMode: rounding(a.dimRoundingMode, kernel),
    shape: shape4(a[shapeKey], shapeKey, kernel),
  };
}

/** Rejects dilation > 1 (the engine lowers dilated convs to spaceToBatchND → conv → batchToSpaceND). */
export function requireNoDilation(a: ConvAttrs, kernel: string): void {
  if (a.dilations[0] !== 1 || a.dilations[1] !== 1) {
    throw new RanasError('E_KERNEL_ATTR', `${kernel}: dilations ${a.dilations.join('x')}; expected 1x1 (use src/engine/conv.ts for dilated convs)`);
  }
}

/** A kernel input as a Tensor the ops can take (the engine passes Tensors; plain infos are wrapped). */
export function asTensor4D(info: tf.TensorInfo | undefined, name: string, kernel: string): tf.Tensor4D {
  if (!info) throw new RanasError('E_KERNEL_INPUT', `${kernel}: input ${name} is missing`);
  return rank4(info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info));
}

/** Narrows a tensor known to be rank 4 (checked). */
export function rank4(t: tf.Tensor): tf.Tensor4D {
  if (t.rank !== 4) throw new RanasError('E_KERNEL_INPUT', `tensor has shape [${t.shape.join(',')}]; expected rank 4`);
  return t as tf.Tensor4D;
}

/**
 * The kh*kw shifted, strided views of the padded input that a filter tap sees, in filter order (row-major
 * over taps), each [N, outH, outW, C].
 */
export function filterTaps(x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D[] {
  const { top, bottom, left, right } = info.padInfo;
  const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]) : x;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const taps: tf.Tensor4D[] = [];
  for (let i = 0; i < info.filterHeight; i++) {
    for (let j = 0; j < info.filterWidth; j++) {
      const r0 = i * info.dilationHeight;
      const c0 = j * info.dilationWidth;
      const whole = r0 === 0 && c0 === 0 && sh === 1 && sw === 1 && xp.shape[1] === info.outHeight && xp.shape[2] === info.outWidth;
      taps.push(whole ? xp : stridedWindow(xp, r0, c0, info.outHeight, info.outWidth, sh, sw));
    }
  }
  return taps;
}

/**
 * Rows r0, r0+sh, ... (outH of them) and columns c0, c0+sw, ... (outW) of x: a plain slice, then for
 * stride > 1 a reshape that puts the stride phase on its own axis and a slice of phase 0 (the backend's
 * fast copy kernels instead of a generic strided slice).
 */
export function stridedWindow(x: tf.Tensor4D, r0: number, c0: number, outH: number, outW: number, sh: number, sw: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (sh === 1 && sw === 1) return tf.slice(x, [0, r0, c0, 0], [n, outH, outW, c]);
  const rows = Math.min(outH * sh, h - r0);
  const cols = Math.min(outW * sw, w - c0);
  let win = tf.slice(x, [0, r0, c0, 0], [n, rows, cols, c]);
  if (rows < outH * sh || cols < outW * sw) win = tf.pad(win, [[0, 0], [0, outH * sh - rows], [0, outW * sw - cols], [0, 0]]);
  const phased = tf.reshape(win, [n, outH, sh, outW, sw, c]);
  return tf.reshape<tf.Rank.R4>(tf.slice(phased, [0, 0, 0, 0, 0, 0], [n, outH, 1, outW, 1, c]), [n, outH, outW, c]);
}

/** Inserts stride-1 zeros between rows and columns of dy: [N,H,W,C] → [N,(H-1)sh+1,(W-1)sw+1,C]. */
export function insertZeros(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  const full = tf.reshape<tf.Rank.R4>(spread, [n, h * sh, w * sw, c]);
  return tf.slice(full, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/**
 * Padding of the "full" correlation that maps dy (zero-inserted, height `hd`) back to the input: rows
 * [top, bottom] so that out = hd + top + bottom - k + 1 = inputSize. A negative value means "crop".
 */
export function transposedPad(k: number, padBefore: number, hd: number, inputSize: number): [number, number] {
  const before = k - 1 - padBefore;
  return [before, inputSize + k - 1 - before - hd];
}

/** Runs a stride-1 correlation with possibly negative padding (negative = crop the result). */
export function withSignedPad(
  x: tf.Tensor4D,
  pads: { top: number; bottom: number; left: number; right: number },
  run: (xp: tf.Tensor4D, pad: tf.backend_util.ExplicitPadding) => tf.Tensor4D,
): tf.Tensor4D {
  const p = (v: number) => Math.max(v, 0);
  const out = run(x, [[0, 0], [p(pads.top), p(pads.bottom)], [p(pads.left), p(pads.right)], [0, 0]]);
  const cropT = p(-pads.top);
  const cropB = p(-pads.bottom);
  const cropL = p(-pads.left);
  const cropR = p(-pads.right);
  if (!cropT && !cropB && !cropL && !cropR) return out;
  const [n, h, w, c] = out.shape;
  return tf.slice(out, [0, cropT, cropL, 0], [n, h - cropT - cropB, w - cropL - cropR, c]);
}
