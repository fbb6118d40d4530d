/**
 * Convolutions the whole project calls (IR executor, reference nets, search). Differentiable on every
 * backend, dilation included. Placeholder body (forward only for dilation > 1) until the engine lands;
 * the engine owner replaces the body, the exported signatures stay.
 */
import { tf } from './tf.ts';

/** Options shared by `conv2d` and `depthwiseConv2d` (TF semantics, NHWC). */
export interface ConvOptions {
  strides: [number, number];
  padding: 'same' | 'valid';
  dilation: [number, number];
}

/** 2-D convolution: x [N,H,W,Cin], filter [kh,kw,Cin,Cout]. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, o: ConvOptions): tf.Tensor4D {
  return tf.conv2d(x, filter, o.strides, o.padding, 'NHWC', o.dilation);
}

/** Depthwise convolution (multiplier 1): x [N,H,W,C], filter [kh,kw,C,1]. */
export function depthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, o: ConvOptions): tf.Tensor4D {
  return tf.depthwiseConv2d(x, filter, o.strides, o.padding, 'NHWC', o.dilation);
}
