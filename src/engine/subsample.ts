/**
 * Every s-th row and column from the first: [N, H, W, C] → [N, ceil(H/sh), ceil(W/sw), C], what a 1×1 window
 * at stride s reads (a 1×1 max-pool, or the input side of a strided 1×1 conv).
 *
 * Built from pad, reshape and slice, whose gradients are right on every backend. The obvious alternatives are
 * not: tfjs-backend-wasm's MaxPoolGrad is wrong for 1×1 windows at stride > 1 (measured: gradients off by the
 * whole upstream value), and TensorFlow 2.21's oneDNN filter gradient of strided 1×1 convs corrupts the heap.
 */
import { tf } from './tf.ts';

/** Keeps index 0 of every group of `s` along `axis` (1 = H, 2 = W) of x. */
function everyNth(x: tf.Tensor4D, axis: 1 | 2, s: number): tf.Tensor4D {
  if (s === 1) return x;
  const [n, h, w, c] = x.shape;
  const len = axis === 1 ? h : w;
  const out = Math.ceil(len / s);
  const pads: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
  pads[axis] = [0, out * s - len];
  const padded = out * s === len ? x : tf.pad(x, pads);
  // Group the axis as [out, s] and keep the first of each group; the rows before/after fold into rank-4 shapes.
  const [rows, inner] = axis === 1 ? [n, w * c] : [n * h, c];
  const grouped = tf.reshape(padded, [rows, out, s, inner]);
  const first = tf.slice(grouped, [0, 0, 0, 0], [rows, out, 1, inner]);
  return tf.reshape(first, axis === 1 ? [n, out, w, c] : [n, h, out, c]);
}

/** x[:, ::sh, ::sw, :] (differentiable on every backend). */
export function subsample(x: tf.Tensor4D, strides: [number, number]): tf.Tensor4D {
  return tf.tidy(() => everyNth(everyNth(x, 1, strides[0]), 2, strides[1]));
}
