/**
 * Kernels for the tensorflow backend: TensorFlow's own fused ops behind the engine's kernel names, so the
 * engine's entry points (`batchNormTraining`, the ReLU gradient) run one native op where tfjs-core or the
 * JS kernels would make several passes or copy tensors out of TensorFlow.
 * - `RanasChannelMoments` → `FusedBatchNormV3` (training) mean and biased variance.
 * - `RanasBatchNormApply` → `FusedBatchNormV3` (inference mode: the given statistics).
 * - `RanasBatchNormGradSums` → native Sum/Sub/Mul.
 * - `RanasBatchNormGradInput` → `FusedBatchNormGradV3` (training), fed the variance 1/rstd² and ε = 0.
 * - `RanasReluGrad` → `ReluGrad`.
 */
import { tf } from '../tf.ts';
import { BN_APPLY, BN_GRAD_INPUT, BN_GRAD_SUMS, CHANNEL_MOMENTS } from '../kernels/batch-norm-kernels.ts';
import { RanasError } from '../../errors.ts';
import { nativeOps, type OpAttr } from './tfjs-node-internals.ts';

/** Kernel computing ReLU's input gradient from {dy, x}. */
export const RELU_GRAD = 'RanasReluGrad';

/** Epsilon for the statistics pass; only its y output (discarded) depends on it. */
const MOMENTS_EPSILON = 1e-3;

function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new RanasError('E_KERNEL_INPUT', `${kernel}: input ${name} is missing`);
  return t;
}

function fusedAttrs(epsilon: number, isTraining = true): OpAttr[] {
  return [
    { name: 'T', kind: 'type', value: 'float32' },
    { name: 'U', kind: 'type', value: 'float32' },
    { name: 'epsilon', kind: 'float', value: epsilon },
    { name: 'data_format', kind: 'string', value: 'NHWC' },
    { name: 'is_training', kind: 'bool', value: isTraining },
  ];
}

const reluGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const dy = input(inputs, 'dy', RELU_GRAD);
  const x = input(inputs, 'x', RELU_GRAD);
  return nativeOps(backend).run('ReluGrad', [{ name: 'T', kind: 'type', value: 'float32' }], [dy, x], 1)[0];
};

/** [2, C]: batch mean and biased variance (FusedBatchNormV3's reserve_space_1/2 on CPU). */
const moments: tf.KernelFunc = ({ inputs, backend }) => {
  const x = input(inputs, 'x', CHANNEL_MOMENTS);
  const c = x.shape[x.shape.length - 1];
  return tf.tidy(() => {
    const ones = tf.ones([c]);
    const zeros = tf.zeros([c]);
    const empty = tf.zeros([0]);
    const out = nativeOps(backend).run('FusedBatchNormV3', [...fusedAttrs(MOMENTS_EPSILON), { name: 'exponential_avg_factor', kind: 'float', value: 1 }], [x, ones, zeros, empty, empty], 6);
    return tf.stack([out[3], out[4]]);
  });
};

/** y = gamma·(x − mean)·rsqrt(variance + epsilon) + beta with the given statistics, one fused op. */
const apply: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const names = ['x', 'gamma', 'beta', 'mean', 'variance'];
  const [x, gamma, beta, mean, variance] = names.map((n) => input(inputs, n, BN_APPLY));
  const epsilon = attrs?.epsilon;
  if (typeof epsilon !== 'number') throw new RanasError('E_KERNEL_INPUT', `${BN_APPLY}: attribute epsilon is ${String(epsilon)}; expected a number`);
  const attrList: OpAttr[] = [...fusedAttrs(epsilon, false), { name: 'exponential_avg_factor', kind: 'float', value: 1 }];
  return tf.tidy(() => nativeOps(backend).run('FusedBatchNormV3', attrList, [x, gamma, beta, mean, variance], 6)[0]);
};

/** [2, C]: Σ dy and Σ dy·(x − mean) over N, H, W (native Sub/Mul/Sum on the kernel's inputs). */
const gradSums: tf.KernelFunc = ({ inputs, backend }) => {
  const [dy, x, mean] = ['dy', 'x', 'mean'].map((n) => input(inputs, n, BN_GRAD_SUMS));
  const ops = nativeOps(backend);
  const t: OpAttr[] = [{ name: 'T', kind: 'type', value: 'float32' }];
  const sumAttrs: OpAttr[] = [...t, { name: 'Tidx', kind: 'type', value: 'int32' }, { name: 'keep_dims', kind: 'bool', value: false }];
  return tf.tidy(() => {
    const axes = tf.tensor1d([0, 1, 2], 'int32');
    const [xc] = ops.run('Sub', t, [x, mean], 1);
    const [dyXc] = ops.run('Mul', t, [dy, xc], 1);
    const [sumDy] = ops.run('Sum', sumAttrs, [dy, axes], 1);
    const [sumDyXc] = ops.run('Sum', sumAttrs, [dyXc, axes], 1);
    return tf.stack([sumDy, sumDyXc]);
  });
};

/** dx of training batch-norm: FusedBatchNormGradV3 with variance = 1/rstd² and ε = 0 (so its rsqrt gives rstd back). */
const gradInput: tf.KernelFunc = ({ inputs, backend }) => {
  const [dy, x, mean, gamma, rstd] = ['dy', 'x', 'mean', 'gamma', 'rstd'].map((n) => input(inputs, n, BN_GRAD_INPUT));
  const ops = nativeOps(backend);
  return tf.tidy(() => {
    const [rstd2] = ops.run('Square', [{ name: 'T', kind: 'type', value: 'float32' }], [rstd], 1);
    const variance = tf.reciprocal(rstd2);
    const reserve = tf.zeros([0]);
    return ops.run('FusedBatchNormGradV3', fusedAttrs(0), [dy, x, gamma, mean, variance, reserve], 5)[0];
  });
};

/** The native kernels, for the tensorflow backend. */
export function nativeKernelConfigs(backendName = 'tensorflow'): tf.KernelConfig[] {
  return [
    { kernelName: RELU_GRAD, backendName, kernelFunc: reluGrad },
    { kernelName: CHANNEL_MOMENTS, backendName, kernelFunc: moments },
    { kernelName: BN_APPLY, backendName, kernelFunc: apply },
    { kernelName: BN_GRAD_SUMS, backendName, kernelFunc: gradSums },
    { kernelName: BN_GRAD_INPUT, backendName, kernelFunc: gradInput },
  ];
}
