/**
 * Dilated convolutions on the tensorflow backend, differentiable (tfjs-core refuses gradients of dilated
 * convs on every backend).
 * - conv2d: TF's Conv2D with `dilations`, gradients from Conv2DBackpropInput/Filter with the same
 *   attributes — TF's CPU kernels handle dilation correctly there.
 * - depthwise: TF's CPU DepthwiseConv2dNativeBackpropInput/Filter silently IGNORE `dilations` and return
 *   wrong gradients. So the dilated filter is expanded into a dense one with zeros between the taps
 *   ((k−1)·d+1 wide) and run as an undilated depthwise conv, whose stock gradients are right; the filter
 *   gradient flows back through the expansion (pad/reshape/slice). 'tf-native' keeps TF's own backprop,
 *   only so a test can show it is wrong.
 * Undilated or non-tensorflow calls go to the engine's `conv.ts`.
 */
import { tf } from '../tf.ts';
import { conv2d as engineConv2d, depthwiseConv2d as engineDepthwise, type ConvOptions } from '../conv.ts';
import { nativeOps, type OpAttr } from './tfjs-node-internals.ts';
import { RanasError } from '../../errors.ts';

/** How the gradient of a dilated depthwise conv is computed on tensorflow. */
export type DepthwiseDilationBackprop = 'zero-inserted-filter' | 'tf-native';

function convAttrs(o: ConvOptions): OpAttr[] {
  return [
    { name: 'T', kind: 'type', value: 'float32' },
    { name: 'strides', kind: 'int', value: [1, o.strides[0], o.strides[1], 1] },
    { name: 'padding', kind: 'string', value: o.padding.toUpperCase() },
    { name: 'data_format', kind: 'string', value: 'NHWC' },
    { name: 'dilations', kind: 'int', value: [1, o.dilation[0], o.dilation[1], 1] },
  ];
}

function isDilated(o: ConvOptions): boolean {
  return o.dilation[0] > 1 || o.dilation[1] > 1;
}

function one(ts: tf.Tensor[]): tf.Tensor4D {
  const t = ts[0];
  if (t.rank !== 4) throw new RanasError('E_KERNEL_OUTPUT', `native conv: expected a rank-4 result, got rank ${t.rank}`);
  return tf.reshape(t, [t.shape[0] ?? 0, t.shape[1] ?? 0, t.shape[2] ?? 0, t.shape[3] ?? 0]);
}

/** A conv-like TF op with its two backprop ops, as one differentiable function. */
function nativeConvOp(forward: string, backpropInput: string, backpropFilter: string, attrs: OpAttr[]) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, f, save] = args;
    if (!(x instanceof tf.Tensor) || !(f instanceof tf.Tensor) || typeof save !== 'function') throw new RanasError('E_KERNEL_INPUT', 'native conv: customGrad expected (x, filter, save) with two tensors and a save function');
    const ops = nativeOps();
    save([x, f]);
    return {
      value: one(ops.run(forward, attrs, [x, f], 1)),
      gradFunc: (dy: tf.Tensor, [sx, sf]: tf.Tensor[]) => {
        const inputSizes = tf.tensor1d(sx.shape, 'int32');
        const filterSizes = tf.tensor1d(sf.shape, 'int32');
        const dx = one(ops.run(backpropInput, attrs, [inputSizes, sf, dy], 1));
        const df = one(ops.run(backpropFilter, attrs, [sx, filterSizes, dy], 1));
        tf.dispose([inputSizes, filterSizes]);
        return [dx, df];
      },
    };
  });
}

/** 2-D convolution (TF semantics, NHWC); dilated ones run natively with native gradients. */
export function nativeConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, o: ConvOptions): tf.Tensor4D {
  if (!isDilated(o) || tf.getBackend() !== 'tensorflow') return engineConv2d(x, filter, o);
  const f = nativeConvOp('Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', [...convAttrs(o), { name: 'use_cudnn_on_gpu', kind: 'bool', value: false }]);
  const y = f(x, filter);
  return tf.reshape(y, [y.shape[0] ?? 0, y.shape[1] ?? 0, y.shape[2] ?? 0, y.shape[3] ?? 0]);
}

/** Filter [kh,kw,C,M] with d−1 zeros between taps: [(kh−1)·dh+1, (kw−1)·dw+1, C, M]. Differentiable. */
export function zeroInsertedFilter(filter: tf.Tensor4D, dilation: [number, number]): tf.Tensor4D {
  const [kh, kw, c, m] = filter.shape;
  const [dh, dw] = dilation;
  return tf.tidy(() => {
    const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, c * m]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0]]);
    const dense = tf.reshape<tf.Rank.R4>(spread, [kh * dh, kw * dw, c, m]);
    return tf.slice(dense, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m]);
  });
}

const DEPTHWISE: Record<DepthwiseDilationBackprop, (x: tf.Tensor4D, f: tf.Tensor4D, o: ConvOptions) => tf.Tensor4D> = {
  'zero-inserted-filter': (x, f, o) => tf.depthwiseConv2d(x, zeroInsertedFilter(f, o.dilation), o.strides, o.padding),
  'tf-native': (x, f, o) => {
    const y = nativeConvOp('DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', convAttrs(o))(x, f);
    return tf.reshape(y, [y.shape[0] ?? 0, y.shape[1] ?? 0, y.shape[2] ?? 0, y.shape[3] ?? 0]);
  },
};

/** Depthwise convolution: x [N,H,W,C], filter [kh,kw,C,M]; dilated ones work around TF's depthwise backprop bug. */
export function nativeDepthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, o: ConvOptions, backprop: DepthwiseDilationBackprop = 'zero-inserted-filter'): tf.Tensor4D {
  if (!isDilated(o) || tf.getBackend() !== 'tensorflow') return engineDepthwise(x, filter, o);
  return DEPTHWISE[backprop](x, filter, o);
}
