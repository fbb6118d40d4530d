/**
 * Convolutions the whole project calls (IR executor, reference nets, search). Differentiable on every
 * backend, dilation included: tfjs refuses gradients of dilated convs, so a dilated conv runs as
 * spaceToBatchND → undilated conv → batchToSpaceND (what TF's `with_space_to_batch` does), whose pieces
 * all have gradients.
 */
import { tf } from './tf.ts';
import { RanasError } from '../errors.ts';
import { subsample } from './subsample.ts';

/** Options shared by `conv2d` and `depthwiseConv2d` (TF semantics, NHWC). */
export interface ConvOptions {
  strides: [number, number];
  padding: 'same' | 'valid';
  dilation: [number, number];
}

type Conv = (x: tf.Tensor4D, filter: tf.Tensor4D, strides: [number, number], pad: 'same' | 'valid') => tf.Tensor4D;

const CONVS: Record<'conv2d' | 'depthwiseConv2d', Conv> = {
  conv2d: (x, f, s, pad) => tf.conv2d(x, f, s, pad),
  depthwiseConv2d: (x, f, s, pad) => tf.depthwiseConv2d(x, f, s, pad),
};

/**
 * Paddings of one spatial axis for a dilated stride-1 conv: TF's [before, after] for the effective
 * kernel, plus `extra` rows at the end so the padded size divides by the rate (cropped off afterwards).
 */
export function dilatedAxisPads(size: number, kernel: number, rate: number, padding: 'same' | 'valid'): { before: number; after: number; extra: number } {
  const total = padding === 'same' ? (kernel - 1) * rate : 0;
  const before = Math.floor(total / 2);
  const after = total - before;
  const extra = (rate - ((size + total) % rate)) % rate;
  return { before, after, extra };
}

function run(kind: keyof typeof CONVS, x: tf.Tensor4D, filter: tf.Tensor4D, o: ConvOptions): tf.Tensor4D {
  const [dh, dw] = o.dilation;
  const [kh, kw] = filter.shape;
  if (dh === 1 && dw === 1) {
    if (kh === 1 && kw === 1 && (o.strides[0] > 1 || o.strides[1] > 1)) {
      // TensorFlow 2.21's oneDNN filter gradient of strided 1×1 convs corrupts the heap for some shapes (the
      // factorized reduce's: x [2,16,16,4] with filter [1,1,4,2] aborts with munmap_chunk()). A 1×1 conv at
      // stride s reads every s-th pixel (and pads nothing under either padding), so subsample, then stride 1.
      return tf.tidy(() => CONVS[kind](subsample(x, o.strides), filter, [1, 1], 'valid'));
    }
    return CONVS[kind](x, filter, o.strides, o.padding);
  }
  if (o.strides[0] !== 1 || o.strides[1] !== 1) {
    throw new RanasError('E_CONV_DILATION_STRIDE', `${kind}: dilation ${dh}x${dw} with strides ${o.strides.join('x')}; TF allows dilation > 1 only with stride 1`, { dilation: o.dilation, strides: o.strides });
  }
  const h = dilatedAxisPads(x.shape[1], kh, dh, o.padding);
  const w = dilatedAxisPads(x.shape[2], kw, dw, o.padding);
  return tf.tidy(() => {
    const packed = tf.spaceToBatchND(x, [dh, dw], [[h.before, h.after + h.extra], [w.before, w.after + w.extra]]);
    const y = CONVS[kind](packed, filter, [1, 1], 'valid');
    return tf.batchToSpaceND(y, [dh, dw], [[0, h.extra], [0, w.extra]]);
  });
}

/** 2-D convolution: x [N,H,W,Cin], filter [kh,kw,Cin,Cout]. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, o: ConvOptions): tf.Tensor4D {
  return run('conv2d', x, filter, o);
}

/** Depthwise convolution (multiplier 1): x [N,H,W,C], filter [kh,kw,C,1]. */
export function depthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, o: ConvOptions): tf.Tensor4D {
  return run('depthwiseConv2d', x, filter, o);
}
