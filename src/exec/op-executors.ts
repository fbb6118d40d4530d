/**
 * How the tfjs engine runs each IR op: one executor per `OpType` in a table, so an op added to the IR
 * without an executor fails to compile. Every convolution goes through `src/engine/conv.ts` (dilated
 * convolutions are differentiable there on every backend).
 */
import { tf } from '../engine/tf.ts';
import { conv2d, depthwiseConv2d } from '../engine/conv.ts';
import { batchNormTraining } from '../engine/batch-norm.ts';
import { subsample } from '../engine/subsample.ts';
import { RanasError } from '../errors.ts';
import type { FusedActivation, IrNodeOf, OpType, OpWeights } from '../ir/types.ts';
import { dropPathMask, type DropPathShard } from './drop-path.ts';
import { mixedOp } from './mixed-op.ts';

/** What an executor may ask of the running program. */
export interface ExecContext {
  /** Training mode: batch-norm uses batch statistics and updates its running averages. */
  training: boolean;
  /** The tensor behind a weight name (a trainable variable, a buffer, or a constant). */
  weight(name: string): tf.Tensor;
  /** Replaces a buffer's value (batch-norm running statistics); ignored for constants. */
  assignBuffer(name: string, value: tf.Tensor): void;
  /** A constant vector of `length` ones or zeros, made once per program and kept (non-affine batch-norm). */
  constant(kind: 'ones' | 'zeros', length: number): tf.Tensor;
  /** Keeps a tensor alive past the forward pass's tidy until the next training step (backward needs it). */
  holdUntilNextStep(t: tf.Tensor): void;
  /** Drop-path of this training step (absent in inference or when off). */
  dropPath?: DropPathShard;
}

/** Runs one node on its input tensors (in `node.inputs` order) and returns its single output. */
export type OpExecutor<T extends OpType> = (node: IrNodeOf<T>, inputs: tf.Tensor[], ctx: ExecContext) => tf.Tensor;

function requiredWeight<T extends OpType>(node: IrNodeOf<T>, role: OpWeights[T], ctx: ExecContext): tf.Tensor {
  const roles: Partial<Record<OpWeights[T], string>> = node.weights;
  const name = roles[role];
  if (name === undefined) {
    throw new RanasError('E_IR_WEIGHT_MISSING', `node ${node.name} (${node.op}) has no '${String(role)}' weight; expected weights.${String(role)} to name a graph weight`, { node: node.name });
  }
  return ctx.weight(name);
}

function optionalWeight<T extends OpType>(node: IrNodeOf<T>, role: OpWeights[T], ctx: ExecContext): tf.Tensor | undefined {
  const roles: Partial<Record<OpWeights[T], string>> = node.weights;
  const name = roles[role];
  return name === undefined ? undefined : ctx.weight(name);
}

function activate(x: tf.Tensor, activation: FusedActivation): tf.Tensor {
  return activation === 'relu' ? tf.relu(x) : x;
}

function as4d(node: { name: string; op: string }, t: tf.Tensor): tf.Tensor4D {
  if (t.rank !== 4) {
    throw new RanasError('E_IR_RANK', `node ${node.name} (${node.op}) expected a rank-4 NHWC input, found shape [${t.shape.join(', ')}]`, { node: node.name });
  }
  return t as tf.Tensor4D;
}

function one(node: { name: string; op: string }, inputs: tf.Tensor[]): tf.Tensor {
  if (inputs.length !== 1) {
    throw new RanasError('E_IR_ARITY', `node ${node.name} (${node.op}) expected 1 input, found ${inputs.length}`, { node: node.name });
  }
  return inputs[0];
}

/**
 * Batch-norm: training normalises with the biased batch variance and updates the running variance with the
 * unbiased one (PyTorch semantics): running = m * running + (1 - m) * batch, with m = `attrs.momentum`.
 * Eval mode normalises with the running statistics.
 */
const batchNorm: OpExecutor<'batchNorm'> = (node, inputs, ctx) => {
  const x = one(node, inputs);
  const { epsilon, momentum, affine } = node.attrs;
  const gamma = affine ? requiredWeight(node, 'gamma', ctx) : undefined;
  const beta = affine ? requiredWeight(node, 'beta', ctx) : undefined;
  const meanName = node.weights.movingMean;
  const varName = node.weights.movingVariance;
  if (meanName === undefined || varName === undefined) {
    throw new RanasError('E_IR_WEIGHT_MISSING', `node ${node.name} (batchNorm) needs movingMean and movingVariance weights`, { node: node.name });
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  if (ctx.training) {
    const count = x.size / x.shape[x.rank - 1];
    if (x.rank === 4) {
      // The engine's fused kernel (two passes each way instead of tfjs's composite moments gradient); on
      // tensorflow the running statistics are updated inside the same op.
      const c = x.shape[x.rank - 1];
      const r = batchNormTraining(x as tf.Tensor4D, (gamma ?? ctx.constant('ones', c)) as tf.Tensor1D, (beta ?? ctx.constant('zeros', c)) as tf.Tensor1D, epsilon,
        { mean: ctx.weight(meanName) as tf.Tensor1D, variance: ctx.weight(varName) as tf.Tensor1D, momentum });
      ctx.holdUntilNextStep(r.mean);
      ctx.holdUntilNextStep(r.variance);
      if (!r.runningMean || !r.runningVariance) throw new RanasError('E_KERNEL_OUTPUT', `node ${node.name}: batch-norm returned no running statistics`, { node: node.name });
      ctx.assignBuffer(meanName, r.runningMean);
      ctx.assignBuffer(varName, r.runningVariance);
      return r.y;
    }
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
    // The running update is off the loss path, so no gradient flows through it.
    const running = (name: string, batch: tf.Tensor) =>
      tf.add(tf.mul(ctx.weight(name), momentum), tf.mul(batch, 1 - momentum));
    ctx.assignBuffer(meanName, running(meanName, mean));
    ctx.assignBuffer(varName, running(varName, unbiased));
    return y;
  }
  return tf.batchNorm(x, ctx.weight(meanName), ctx.weight(varName), beta, gamma, epsilon);
};

// mixedOp: `./mixed-op.ts` (one softmax per alpha matrix per forward pass; stock gradients).

/** The inputs of a cell sum with drop-path applied to the flagged ones (training with drop-path on only). */
function withDropPath(node: IrNodeOf<'add'>, inputs: tf.Tensor[], ctx: ExecContext): tf.Tensor[] {
  const flags = node.attrs.dropPath;
  const dp = ctx.dropPath;
  if (!ctx.training || !dp || !(dp.prob > 0) || !flags) return inputs;
  return inputs.map((t, i) => {
    if (!flags[i]) return t;
    const rows = t.shape[0];
    const mask = tf.tensor(dropPathMask(dp, `${node.name}#${i}`, rows), [rows, ...t.shape.slice(1).map(() => 1)]);
    return tf.mul(t, mask);
  });
}

/** The executor of every IR op. */
export const opExecutors: { [T in OpType]: OpExecutor<T> } = {
  conv2d: (node, inputs, ctx) => {
    const a = node.attrs;
    const filter = requiredWeight(node, 'filter', ctx) as tf.Tensor4D;
    let y: tf.Tensor = conv2d(as4d(node, one(node, inputs)), filter, { strides: a.strides, padding: a.padding, dilation: a.dilation });
    const bias = optionalWeight(node, 'bias', ctx);
    if (bias) y = tf.add(y, bias);
    return activate(y, a.activation);
  },
  depthwiseConv2d: (node, inputs, ctx) => {
    const a = node.attrs;
    const filter = requiredWeight(node, 'filter', ctx) as tf.Tensor4D;
    let y: tf.Tensor = depthwiseConv2d(as4d(node, one(node, inputs)), filter, { strides: a.strides, padding: a.padding, dilation: a.dilation });
    const bias = optionalWeight(node, 'bias', ctx);
    if (bias) y = tf.add(y, bias);
    return activate(y, a.activation);
  },
  batchNorm,
  relu: (node, inputs) => tf.relu(one(node, inputs)),
  add: (node, inputs, ctx) => {
    if (inputs.length === 0) throw new RanasError('E_IR_ARITY', `node ${node.name} (add) has no inputs`, { node: node.name });
    const terms = withDropPath(node, inputs, ctx);
    return activate(terms.length === 1 ? terms[0] : tf.addN(terms), node.attrs.activation);
  },
  concat: (node, inputs) => {
    if (inputs.length === 0) throw new RanasError('E_IR_ARITY', `node ${node.name} (concat) has no inputs`, { node: node.name });
    return inputs.length === 1 ? inputs[0] : tf.concat(inputs, -1);
  },
  maxPool: (node, inputs) => {
    const x = as4d(node, one(node, inputs));
    const { kernel, strides, padding } = node.attrs;
    // A 1×1 window is a subsample (either padding): run it as one, since wasm's MaxPoolGrad is wrong there.
    return kernel[0] === 1 && kernel[1] === 1 ? subsample(x, strides) : tf.maxPool(x, kernel, strides, padding);
  },
  avgPool: (node, inputs) =>
    tf.avgPool(as4d(node, one(node, inputs)), node.attrs.kernel, node.attrs.strides, node.attrs.padding),
  globalAvgPool: (node, inputs) => tf.mean(as4d(node, one(node, inputs)), [1, 2]),
  dense: (node, inputs, ctx) => {
    const x = one(node, inputs);
    const kernel = requiredWeight(node, 'kernel', ctx) as tf.Tensor2D;
    let y: tf.Tensor = tf.matMul(x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [x.shape[0], -1]), kernel);
    const bias = optionalWeight(node, 'bias', ctx);
    if (bias) y = tf.add(y, bias);
    return activate(y, node.attrs.activation);
  },
  mixedOp,
};

/** Runs `node` through its table entry (the one place the union is narrowed). */
export function executeNode<T extends OpType>(node: IrNodeOf<T>, inputs: tf.Tensor[], ctx: ExecContext): tf.Tensor {
  const run: OpExecutor<T> = opExecutors[node.op];
  return run(node, inputs, ctx);
}
