/**
 * Training-mode batch normalisation over N,H,W of an NHWC tensor, with its own gradient. tfjs-core's
 * composite gradient (moments → batchNorm) makes about twenty full-size passes including tiles and
 * transposing reductions. Two ways instead, chosen by what the active backend registers:
 * - fused (tensorflow): one kernel forward (`BN_TRAINING`: TF's FusedBatchNormV3 returns y and the
 *   statistics) and one backward (`BN_TRAINING_GRAD`: FusedBatchNormGradV3 returns dx, dGamma, dBeta);
 * - composed (wasm, cpu): two passes forward (statistics, normalise) and two backward (statistics, input
 *   gradient), as plain loops over backend memory (`kernels/batch-norm-kernels.ts`).
 */
import { tf } from './tf.ts';
import { BN_APPLY, BN_GRAD_INPUT, BN_GRAD_SUMS, BN_TRAINING, BN_TRAINING_GRAD, CHANNEL_MOMENTS } from './kernels/batch-norm-kernels.ts';
import { rank4 } from './kernels/conv-attrs.ts';
import { RanasError } from '../errors.ts';

/** Output and the batch statistics it used (biased variance). */
export interface BatchNormResult {
  y: tf.Tensor4D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** Updated running statistics, when `running` was given: momentum·running + (1 − momentum)·batch (variance unbiased). */
  runningMean?: tf.Tensor1D;
  runningVariance?: tf.Tensor1D;
}

/** Running statistics to update in the same pass (PyTorch semantics; off the gradient path). */
export interface RunningStatistics {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** running = momentum · running + (1 − momentum) · batch. */
  momentum: number;
}

function runOutputs(kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap, count: number): tf.Tensor[] {
  const out = tf.engine().runKernel(kernel, inputs, attrs);
  if (!Array.isArray(out) || out.length !== count) throw new RanasError('E_KERNEL_OUTPUT', `${kernel}: ${count} outputs expected`);
  return out;
}

function run(kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor {
  const out = tf.engine().runKernel(kernel, inputs, attrs);
  if (Array.isArray(out)) throw new RanasError('E_KERNEL_OUTPUT', `${kernel}: one output expected`);
  return out;
}

function tensorArg(a: tf.Tensor | tf.GradSaveFunc): tf.Tensor {
  if (a instanceof tf.Tensor) return a;
  throw new RanasError('E_KERNEL_INPUT', 'batch norm: customGrad input is not a tensor');
}

/** The forward of one way: y and the statistics, the tensors its gradient needs, and that gradient. */
interface Forward {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** [dx, dGamma, dBeta] from dy and the tensors saved as [x, gamma, mean, variance]. */
  gradient: (dy: tf.Tensor4D, saved: tf.Tensor[]) => tf.Tensor[];
  /** Updated running statistics, when the way computed them (fused does, inside its one op). */
  running?: [tf.Tensor1D, tf.Tensor1D];
}

function fused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, running?: RunningStatistics): Forward {
  const outputs = running
    ? runOutputs(BN_TRAINING, { x, gamma, beta, runningMean: running.mean, runningVariance: running.variance }, { epsilon, momentum: running.momentum }, 5)
    : runOutputs(BN_TRAINING, { x, gamma, beta }, { epsilon }, 3);
  const [y, mean, variance, runningMean, runningVariance] = outputs;
  return {
    y, mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D,
    running: runningMean && runningVariance ? [tf.keep(runningMean) as tf.Tensor1D, tf.keep(runningVariance) as tf.Tensor1D] : undefined,
    gradient: (dy, [sx, sg, sm, sv]) => runOutputs(BN_TRAINING_GRAD, { dy, x: sx, gamma: sg, mean: sm, variance: sv }, { epsilon }, 3),
  };
}

function composed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): Forward {
  const [m, v] = tf.unstack(run(CHANNEL_MOMENTS, { x }), 0);
  return {
    y: run(BN_APPLY, { x, mean: m, variance: v, gamma, beta }, { epsilon }),
    mean: tf.keep(m) as tf.Tensor1D,
    variance: tf.keep(v) as tf.Tensor1D,
    gradient: (dy, [sx, sg, sm, sv]) => {
      const [dBeta, dyXc] = tf.unstack(run(BN_GRAD_SUMS, { dy, x: sx, mean: sm }), 0);
      const rstd = tf.rsqrt(tf.add(sv, epsilon));
      const dGamma = tf.mul(dyXc, rstd);
      return [run(BN_GRAD_INPUT, { dy, x: sx, mean: sm, rstd, gamma: sg, dBeta, dGamma }), dGamma, dBeta];
    },
  };
}

/** Running statistics updated from batch statistics with tensor ops (ways that do not update them inside). */
function runningUpdate(r: RunningStatistics, mean: tf.Tensor1D, variance: tf.Tensor1D, count: number): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
    const update = (old: tf.Tensor1D, batch: tf.Tensor) => tf.add(tf.mul(old, r.momentum), tf.mul(batch, 1 - r.momentum)) as tf.Tensor1D;
    return [update(r.mean, mean), update(r.variance, unbiased)];
  });
}

/**
 * y = gamma·(x − mean)/√(variance + epsilon) + beta with the batch's own statistics; differentiable in x,
 * gamma, beta. With `running`, also the updated running statistics (no gradient flows through them).
 */
export function batchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, running?: RunningStatistics): BatchNormResult {
  const way = tf.getKernel(BN_TRAINING, tf.getBackend()) && tf.getKernel(BN_TRAINING_GRAD, tf.getBackend()) ? fused : composed;
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  let updated: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, g, b] = args.slice(0, 3).map(tensorArg);
    const save = args[3];
    if (typeof save !== 'function') throw new RanasError('E_KERNEL_INPUT', 'batch norm: customGrad expected a save function last');
    const forward = way(xs, g, b, epsilon, running);
    mean = forward.mean;
    variance = forward.variance;
    updated = forward.running;
    save([xs, g, forward.mean, forward.variance]);
    return { value: rank4(forward.y), gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => forward.gradient(dy, saved) };
  });
  const y = rank4(f(x, gamma, beta));
  if (!mean || !variance) throw new RanasError('E_KERNEL_OUTPUT', 'batch norm: the saved batch statistics (mean, variance) are missing');
  if (running && !updated) updated = runningUpdate(running, mean, variance, x.size / x.shape[3]);
  return { y, mean, variance, runningMean: updated?.[0], runningVariance: updated?.[1] };
}
