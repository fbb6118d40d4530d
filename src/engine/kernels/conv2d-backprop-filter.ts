/**
 * Conv2DBackpropFilter from fast kernels: per filter tap, the strided view of the padded input and one
 * matrix product, dW[tap] = viewᵀ · dy.
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
    const rows = info.batchSize * info.outHeight * info.outWidth;
    // dWᵀ[tap] = dyᵀ · tap keeps each product on the backend's untransposed (fast) matmul path; one
    // product per tap avoids materialising the kh·kw-times larger im2col matrix.
    const dyT = tf.transpose(tf.reshape(dy, [rows, cout]));
    const perTap = filterTaps(x, info).map((tap) => tf.matMul(dyT, tf.reshape(tap, [rows, cin])));
    const dwT = perTap.length === 1 ? perTap[0] : tf.concat(perTap, 1);
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
