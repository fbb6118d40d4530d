/**
 * Training-mode batch normalisation over N,H,W of an NHWC tensor, with its own gradient. tfjs-core's
 * composite gradient (moments → batchNorm) makes about twenty full-size passes including tiles and
 * transposing reductions; this one makes two passes forward (statistics, normalise) and two backward
 * (statistics, input gradient), as plain loops over backend memory (`kernels/batch-norm-kernels.ts`).
 */
import { tf } from './tf.ts';
import { BN_APPLY, BN_GRAD_INPUT, BN_GRAD_SUMS, CHANNEL_MOMENTS } from './kernels/batch-norm-kernels.ts';
import { rank4 } from './kernels/conv-attrs.ts';

/** Output and the batch statistics it used (biased variance), for running-average updates. */
export interface BatchNormResult {
  y: tf.Tensor4D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

function run(kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor {
  const out = tf.engine().runKernel(kernel, inputs, attrs);
  if (Array.isArray(out)) throw new Error(`${kernel}: one output expected`);
  return out;
}

function tensorArg(a: tf.Tensor | tf.GradSaveFunc): tf.Tensor {
  if (a instanceof tf.Tensor) return a;
  throw new Error('customGrad input is not a tensor');
}

/** y = gamma·(x − mean)/√(variance + epsilon) + beta with the batch's own statistics; differentiable in x, gamma, beta. */
export function batchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormResult {
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, g, b] = args.slice(0, 3).map(tensorArg);
    const save = args[3];
    if (typeof save !== 'function') throw new Error('customGrad passes a save function last');
    const moments = run(CHANNEL_MOMENTS, { x: xs });
    const [m, v] = tf.unstack(moments, 0) as [tf.Tensor1D, tf.Tensor1D];
    mean = tf.keep(m);
    variance = tf.keep(v);
    const value = rank4(run(BN_APPLY, { x: xs, mean: m, variance: v, gamma: g, beta: b }, { epsilon }));
    save([xs, g, m, v]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sv] = saved;
        const sums = run(BN_GRAD_SUMS, { dy, x: sx, mean: sm });
        const [dBeta, dyXc] = tf.unstack(sums, 0);
        const rstd = tf.rsqrt(tf.add(sv, epsilon));
        const dGamma = tf.mul(dyXc, rstd);
        const dx = run(BN_GRAD_INPUT, { dy, x: sx, mean: sm, rstd, gamma: sg, dBeta, dGamma });
        return [dx, dGamma, dBeta];
      },
    };
  });
  const y = rank4(f(x, gamma, beta));
  if (!mean || !variance) throw new Error('batch-norm statistics missing');
  return { y, mean, variance };
}
