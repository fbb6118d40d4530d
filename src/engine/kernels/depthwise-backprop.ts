/**
 * Depthwise convolution gradients (channel multiplier m ≥ 1) from fast kernels:
 * - input: dy (zeros inserted between strided positions) depthwise-correlated with the reversed filter;
 * - filter: per tap, the strided view of the padded input times dy, summed over batch and space.
 */
import { tf } from '../tf.ts';
import { asTensor4D, filterTaps, insertZeros, parseConvAttrs, rank4, requireNoDilation, transposedPad, withSignedPad } from './conv-attrs.ts';

const INPUT = 'DepthwiseConv2dNativeBackpropInput';
const FILTER = 'DepthwiseConv2dNativeBackpropFilter';

/** dx [N,H,W,C] from dy [N,outH,outW,C*m] and filter [kh,kw,C,m]. */
export function depthwiseBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, a: ReturnType<typeof parseConvAttrs>): tf.Tensor4D {
  requireNoDilation(a, INPUT);
  const info = tf.backend_util.computeConv2DInfo(a.shape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode, true, 'channelsLast');
  const [kh, kw, c, m] = filter.shape;
  return tf.tidy(() => {
    const dyd = insertZeros(dy, info.strideHeight, info.strideWidth);
    const [top, bottom] = transposedPad(kh, info.padInfo.top, dyd.shape[1], info.inHeight);
    const [left, right] = transposedPad(kw, info.padInfo.left, dyd.shape[2], info.inWidth);
    const flipped = tf.reverse(filter, [0, 1]);
    const pads = { top, bottom, left, right };
    if (m === 1) return withSignedPad(dyd, pads, (xp, pad) => tf.depthwiseConv2d(xp, flipped, 1, pad));
    // Multiplier m: output channel c*m+q came from input channel c through filter[:,:,c,q].
    const [n, hd, wd] = dyd.shape;
    const dy5 = tf.reshape(dyd, [n, hd, wd, c, m]);
    const parts = Array.from({ length: m }, (_, q) => {
      const dq = tf.reshape(tf.slice(dy5, [0, 0, 0, 0, q], [n, hd, wd, c, 1]), [n, hd, wd, c]);
      const fq = tf.slice(flipped, [0, 0, 0, q], [kh, kw, c, 1]);
      return withSignedPad(rank4(dq), pads, (xp, pad) => tf.depthwiseConv2d(xp, fq, 1, pad));
    });
    return tf.addN(parts);
  });
}

/** dW [kh,kw,C,m] from x [N,H,W,C] and dy [N,outH,outW,C*m]. */
export function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, a: ReturnType<typeof parseConvAttrs>): tf.Tensor4D {
  requireNoDilation(a, FILTER);
  const [kh, kw, c, m] = a.shape;
  const info = tf.backend_util.computeConv2DInfo(x.shape, a.shape, a.strides, 1, a.pad, a.dimRoundingMode, true, 'channelsLast');
  return tf.tidy(() => {
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const d2 = tf.reshape(dy, [rows, c * m]);
    const ones = tf.ones([1, rows]);
    const perTap = filterTaps(x, info).map((tap) => {
      const t2 = tf.reshape(tap, [rows, c, 1]);
      const prod = m === 1 ? tf.mul(tf.reshape(t2, [rows, c]), d2) : tf.reshape(tf.mul(t2, tf.reshape(d2, [rows, c, m])), [rows, c * m]);
      // Sum over rows as a matrix product (the backend's fast path) instead of a transposing reduction.
      return tf.matMul(ones, prod);
    });
    return tf.reshape(tf.concat(perTap, 0), [kh, kw, c, m]);
  });
}

/** Kernel configs of both depthwise gradients for `backendName`. */
export function depthwiseBackpropConfigs(backendName: string): tf.KernelConfig[] {
  return [
    {
      kernelName: INPUT,
      backendName,
      kernelFunc: ({ inputs, attrs }) => depthwiseBackpropInput(asTensor4D(inputs.dy, 'dy', INPUT), asTensor4D(inputs.filter, 'filter', INPUT), parseConvAttrs(attrs, 'inputShape', INPUT)),
    },
    {
      kernelName: FILTER,
      backendName,
      kernelFunc: ({ inputs, attrs }) => depthwiseBackpropFilter(asTensor4D(inputs.x, 'x', FILTER), asTensor4D(inputs.dy, 'dy', FILTER), parseConvAttrs(attrs, 'filterShape', FILTER)),
    },
  ];
}
