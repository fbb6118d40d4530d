/**
 * Conv2DBackpropFilter from fast kernels: im2col (one strided view of the padded input per filter tap,
 * concatenated on channels) and one matrix product, dW = patchesᵀ · dy.
 */
import { tf } from '../tf.ts';
import { asTensor4D, filterTaps, parseConvAttrs, requireNoDilation } from './conv-attrs.ts';

const NAME = 'Conv2DBackpropFilter';

/** dW [kh,kw,Cin,Cout] of a stride-s conv from x [N,H,W,Cin] and dy [N,outH,outW,Cout]. */
export function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, a: ReturnType<typeof parseConvAttrs>): tf.Tensor4D {
  requireNoDilation(a, NAME);
  const [kh, kw, cin, cout] = a.shape;
  const info = tf.backend_util.computeConv2DInfo(x.shape, a.shape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  return tf.tidy(() => {
    const taps = filterTaps(x, info);
    const patches = taps.length === 1 ? taps[0] : tf.concat(taps, 3);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const p2 = tf.reshape(patches, [rows, kh * kw * cin]);
    const d2 = tf.reshape(dy, [rows, cout]);
    // dWᵀ = dyᵀ · patches keeps the product on the backend's untransposed (fast) matmul path.
    const dwT = tf.matMul(tf.transpose(d2), p2);
    return tf.reshape(tf.transpose(dwT), [kh, kw, cin, cout]);
  });
}

/** Kernel config of `Conv2DBackpropFilter` for `backendName`. */
export function conv2dBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: NAME,
    backendName,
    kernelFunc: ({ inputs, attrs }) => conv2dBackpropFilter(asTensor4D(inputs.x, 'x', NAME), asTensor4D(inputs.dy, 'dy', NAME), parseConvAttrs(attrs, 'filterShape', NAME)),
  };
}
