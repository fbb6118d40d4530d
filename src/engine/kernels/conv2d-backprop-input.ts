/**
 * Conv2DBackpropInput as a forward convolution (the backend's fast one): dy with zeros inserted between
 * strided positions, correlated with the spatially reversed filter whose in/out channels are swapped.
 */
import { tf } from '../tf.ts';
import { asTensor4D, insertZeros, parseConvAttrs, requireNoDilation, transposedPad, withSignedPad } from './conv-attrs.ts';

const NAME = 'Conv2DBackpropInput';

/** dx [N,H,W,Cin] from dy [N,outH,outW,Cout] and filter [kh,kw,Cin,Cout]. */
export function conv2dBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, a: ReturnType<typeof parseConvAttrs>): tf.Tensor4D {
  requireNoDilation(a, NAME);
  const info = tf.backend_util.computeConv2DInfo(a.shape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  return tf.tidy(() => {
    const dyd = insertZeros(dy, info.strideHeight, info.strideWidth);
    const [top, bottom] = transposedPad(info.filterHeight, info.padInfo.top, dyd.shape[1], info.inHeight);
    const [left, right] = transposedPad(info.filterWidth, info.padInfo.left, dyd.shape[2], info.inWidth);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return withSignedPad(dyd, { top, bottom, left, right }, (xp, pad) => tf.conv2d(xp, flipped, 1, pad));
  });
}

/** Kernel config of `Conv2DBackpropInput` for `backendName`. */
export function conv2dBackpropInputConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: NAME,
    backendName,
    kernelFunc: ({ inputs, attrs }) => conv2dBackpropInput(asTensor4D(inputs.dy, 'dy', NAME), asTensor4D(inputs.filter, 'filter', NAME), parseConvAttrs(attrs, 'inputShape', NAME)),
  };
}
