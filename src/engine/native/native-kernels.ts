/**
 * Kernels for the tensorflow backend: TensorFlow's own fused ops behind the engine's kernel names, so the
 * engine's entry points (`batchNormTraining`, the ReLU gradient) run one native op where tfjs-core or the
 * JS kernels would make several passes or copy tensors out of TensorFlow.
 * - `RanasBatchNormTraining` → `FusedBatchNormV3` (training): y, batch mean, biased variance.
 * - `RanasBatchNormTrainingGrad` → `FusedBatchNormGradV3` (training): dx, dGamma, dBeta.
 * - `RanasReluGrad` → `ReluGrad`.
 * - `RanasSoftmaxCrossEntropy` → `SparseSoftmaxCrossEntropyWithLogits` (per-example loss and its gradient in one op).
 * Why one op each way: the earlier mapping (statistics from one FusedBatchNormV3, y from a second one in
 * inference mode, the backward as Sub/Mul/Sum plus FusedBatchNormGradV3) took 89 ms of a 215 ms profiled
 * reference-net gradient step (batch 64), 64 ms of it in the inference-mode op, which on CPU took 17.7 ms
 * on a [64,32,32,16] tensor against 1.4 ms for the training-mode one (tf.profile, loaded machine).
 */
import { tf } from '../tf.ts';
import { BN_TRAINING, BN_TRAINING_GRAD } from '../kernels/batch-norm-kernels.ts';
import { SOFTMAX_CROSS_ENTROPY } from '../cross-entropy.ts';
import { RanasError } from '../../errors.ts';
import { nativeOps, type OpAttr } from './tfjs-node-internals.ts';

/** Kernel computing ReLU's input gradient from {dy, x}. */
export const RELU_GRAD = 'RanasReluGrad';

function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new RanasError('E_KERNEL_INPUT', `${kernel}: input ${name} is missing`);
  return t;
}

function epsilonOf(attrs: tf.NamedAttrMap | undefined, kernel: string): number {
  const epsilon = attrs?.epsilon;
  if (typeof epsilon !== 'number') throw new RanasError('E_KERNEL_ATTR', `${kernel}: attribute epsilon is ${String(epsilon)}; expected a number`);
  return epsilon;
}

function fusedAttrs(epsilon: number): OpAttr[] {
  return [
    { name: 'T', kind: 'type', value: 'float32' },
    { name: 'U', kind: 'type', value: 'float32' },
    { name: 'epsilon', kind: 'float', value: epsilon },
    { name: 'data_format', kind: 'string', value: 'NHWC' },
    { name: 'is_training', kind: 'bool', value: true },
  ];
}

/** Keeps `outputs[i]` for each i in `keep` (in that order) and disposes the rest. */
function pick(outputs: tf.Tensor[], keep: number[]): tf.Tensor[] {
  tf.dispose(outputs.filter((_, i) => !keep.includes(i)));
  return keep.map((i) => outputs[i]);
}

const reluGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const dy = input(inputs, 'dy', RELU_GRAD);
  const x = input(inputs, 'x', RELU_GRAD);
  return nativeOps(backend).run('ReluGrad', [{ name: 'T', kind: 'type', value: 'float32' }], [dy, x], 1)[0];
};

/**
 * [y, mean, biased variance] — and, when the running statistics come in as inputs `runningMean` and
 * `runningVariance` with attribute `momentum`, also [new running mean, new running variance] in the same op.
 * FusedBatchNormV3 outputs y, the running mean and variance (with exponential_avg_factor f = 1 − momentum:
 * (1 − f)·running + f·batch, the batch variance Bessel-corrected — PyTorch's update; with no running inputs
 * and f = 1 the batch mean and unbiased variance), then reserve_space_1/2 (on CPU the batch mean and the
 * biased variance, which its gradient op expects back) and reserve_space_3. Folding the running update into
 * the op saves two multiplies, an add and a scale per batch-norm per step (about 450 kernel calls of a tiny step).
 */
const training: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((n) => input(inputs, n, BN_TRAINING));
  const epsilon = epsilonOf(attrs, BN_TRAINING);
  const runningMean = inputs.runningMean;
  const runningVariance = inputs.runningVariance;
  if (runningMean && runningVariance) {
    const momentum = attrs?.momentum;
    if (typeof momentum !== 'number') throw new RanasError('E_KERNEL_ATTR', `${BN_TRAINING}: attribute momentum is ${String(momentum)}; expected a number with running statistics`);
    const out = nativeOps(backend).run('FusedBatchNormV3', [...fusedAttrs(epsilon), { name: 'exponential_avg_factor', kind: 'float', value: 1 - momentum }], [x, gamma, beta, runningMean, runningVariance], 6);
    return pick(out, [0, 3, 4, 1, 2]);
  }
  const out = nativeOps(backend).run('FusedBatchNormV3', [...fusedAttrs(epsilon), { name: 'exponential_avg_factor', kind: 'float', value: 1 }], [x, gamma, beta, emptyTensor(), emptyTensor()], 6);
  return pick(out, [0, 3, 4]);
};

let empty: tf.Tensor | undefined;
/** One shared empty float tensor (the absent running statistics and reserve space); never disposed. */
function emptyTensor(): tf.Tensor {
  if (!empty || empty.isDisposed) empty = tf.keep(tf.zeros([0]));
  return empty;
}

/**
 * Rows (N·H·W) from which a batch-norm gradient with a channel count that is not a multiple of 4 is computed on
 * channels zero-padded to one: TensorFlow's CPU FusedBatchNormGradV3 (oneDNN) takes a slow path then —
 * measured here on [64,32,32,C]: C 9, 10, 14 → 15-19 ms a call, C 12 → 1.7 ms; padded (pad x and dy, the op,
 * slice dx) 4.0 ms; at [64,16,16,30] 4.4 → 2.8 ms; below this size (at [64,8,8,10]: 0.40 → 0.79 ms) the copies
 * cost more than they save (bench/native-kernel-shapes.ts). A padded channel has x = dy = mean = variance = 0,
 * so its dx is 0 and it is dropped.
 */
export const BN_GRAD_PAD_MIN_ROWS = 64 * 16 * 16;

const paddings = new Map<string, tf.Tensor>();
/** A kept int32 tensor (paddings, begin, size) for the native Pad and Slice ops. */
function constInt32(values: number[], shape: number[]): tf.Tensor {
  const key = `${shape.join('x')}:${values.join(',')}`;
  let t = paddings.get(key);
  if (!t || t.isDisposed) { t = tf.keep(tf.tensor(values, shape, 'int32')); paddings.set(key, t); }
  return t;
}

/** [dx, dGamma, dBeta] of training batch-norm from dy and the forward's x, gamma, mean, biased variance. */
const trainingGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const [dy, x, gamma, mean, variance] = ['dy', 'x', 'gamma', 'mean', 'variance'].map((n) => input(inputs, n, BN_TRAINING_GRAD));
  const epsilon = epsilonOf(attrs, BN_TRAINING_GRAD);
  const ops = nativeOps(backend);
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  if (c % 4 === 0 || rows < BN_GRAD_PAD_MIN_ROWS || x.shape.length !== 4) {
    return pick(ops.run('FusedBatchNormGradV3', fusedAttrs(epsilon), [dy, x, gamma, mean, variance, emptyTensor()], 5), [0, 1, 2]);
  }
  const extra = 4 - (c % 4);
  const padAttrs: OpAttr[] = [{ name: 'T', kind: 'type', value: 'float32' }, { name: 'Tpaddings', kind: 'type', value: 'int32' }];
  const pad4 = constInt32([0, 0, 0, 0, 0, 0, 0, extra], [4, 2]);
  const pad1 = constInt32([0, extra], [1, 2]);
  const padded = [dy, x].map((t) => ops.run('Pad', padAttrs, [t, pad4], 1)[0]);
  const stats = [gamma, mean, variance].map((t) => ops.run('Pad', padAttrs, [t, pad1], 1)[0]);
  const out = ops.run('FusedBatchNormGradV3', fusedAttrs(epsilon), [...padded, ...stats, emptyTensor()], 5);
  const sliceAttrs: OpAttr[] = [{ name: 'T', kind: 'type', value: 'float32' }, { name: 'Index', kind: 'type', value: 'int32' }];
  const [n, h, w] = x.shape;
  const dx = ops.run('Slice', sliceAttrs, [out[0], constInt32([0, 0, 0, 0], [4]), constInt32([n, h, w, c], [4])], 1)[0];
  const [dGamma, dBeta] = [out[1], out[2]].map((t) => ops.run('Slice', sliceAttrs, [t, constInt32([0], [1]), constInt32([c], [1])], 1)[0]);
  tf.dispose([...padded, ...stats, ...out]);
  return [dx, dGamma, dBeta];
};

/** [per-example loss, softmax − onehot] of logits against int32 class indices: TF's SparseSoftmaxCrossEntropyWithLogits. */
const softmaxCrossEntropy: tf.KernelFunc = ({ inputs, backend }) => {
  const [logits, labels] = ['logits', 'labels'].map((n) => input(inputs, n, SOFTMAX_CROSS_ENTROPY));
  return nativeOps(backend).run('SparseSoftmaxCrossEntropyWithLogits', [{ name: 'T', kind: 'type', value: 'float32' }, { name: 'Tlabels', kind: 'type', value: 'int32' }], [logits, labels], 2);
};

/** The native kernels, for the tensorflow backend. */
export function nativeKernelConfigs(backendName = 'tensorflow'): tf.KernelConfig[] {
  return [
    { kernelName: RELU_GRAD, backendName, kernelFunc: reluGrad },
    { kernelName: BN_TRAINING, backendName, kernelFunc: training },
    { kernelName: BN_TRAINING_GRAD, backendName, kernelFunc: trainingGrad },
    { kernelName: SOFTMAX_CROSS_ENTROPY, backendName, kernelFunc: softmaxCrossEntropy },
  ];
}
