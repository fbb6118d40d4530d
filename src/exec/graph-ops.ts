/**
 * How each IR op becomes TensorFlow graph ops (training mode), one builder per `OpType` in a table — the graph
 * counterpart of `op-executors.ts`, with the same semantics: batch-norm normalises with the biased batch
 * variance and updates the running statistics with the unbiased one (`exponential_avg_factor` 1 − momentum,
 * as the eager kernel does); a 1×1 max-pool is a subsample; drop-path multiplies the flagged inputs of a
 * cell sum by per-sample masks fed at each step.
 */
import { RanasError } from '../errors.ts';
import type { FusedActivation, IrNodeOf, OpType, OpWeights, Padding } from '../ir/types.ts';
import type { TfAttr, TfGraph, TfOut } from '../engine/native/tf-graph.ts';
import { BN_GRAD_PAD_MIN_ROWS } from '../engine/native/native-kernels.ts';
import { dilatedAxisPads } from '../engine/conv.ts';
import { presentPrimitives } from './mixed-op.ts';

/** What a builder may ask of the graph under construction. */
export interface GraphBuildContext {
  g: TfGraph;
  /** The graph tensor behind a weight name (a fed variable or buffer, or a constant). */
  weight(name: string): TfOut;
  /** Records a buffer's value after the step (batch-norm running statistics). */
  updateBuffer(name: string, value: TfOut): void;
  /** A per-sample mask fed at each step for input `i` of a cell sum (shape [rows, 1, 1, 1]). */
  dropPathMask(site: string, rank: number): TfOut;
  /** softmax(alpha) over each row, built once per alpha. */
  softmax(alpha: string): TfOut;
  /** The batch size the graph is tuned for (a batch-norm layout choice only; any batch runs). */
  batch: number;
}

type GraphBuilder<T extends OpType> = (node: IrNodeOf<T>, inputs: TfOut[], ctx: GraphBuildContext) => TfOut;

const F32: TfAttr = ['T', 'type', 'float32'];

function padding(p: Padding): TfAttr {
  return ['padding', 'string', p === 'same' ? 'SAME' : 'VALID'];
}

function one(node: { name: string; op: string }, inputs: TfOut[]): TfOut {
  if (inputs.length !== 1) throw new RanasError('E_IR_ARITY', `node ${node.name} (${node.op}) expected 1 input, found ${inputs.length}`, { node: node.name });
  return inputs[0];
}

function optionalWeight<T extends OpType>(node: IrNodeOf<T>, role: OpWeights[T], ctx: GraphBuildContext): TfOut | undefined {
  const roles: Partial<Record<OpWeights[T], string>> = node.weights;
  const name = roles[role];
  return name === undefined ? undefined : ctx.weight(name);
}

function requiredWeight<T extends OpType>(node: IrNodeOf<T>, role: OpWeights[T], ctx: GraphBuildContext): TfOut {
  const w = optionalWeight(node, role, ctx);
  if (!w) throw new RanasError('E_IR_WEIGHT_MISSING', `node ${node.name} (${node.op}) has no '${String(role)}' weight; expected weights.${String(role)} to name a graph weight`, { node: node.name });
  return w;
}

function biasAndActivation(ctx: GraphBuildContext, y: TfOut, bias: TfOut | undefined, activation: FusedActivation, name: string): TfOut {
  const b = bias ? ctx.g.out('BiasAdd', [y, bias], [F32], `${name}/bias`) : y;
  return activation === 'relu' ? ctx.g.out('Relu', [b], [F32], `${name}/relu`) : b;
}

/**
 * A convolution; a dilated one runs as SpaceToBatchND → undilated convolution → BatchToSpaceND, as the eager
 * engine does (`src/engine/conv.ts`): TensorFlow's C++ gradient of a dilated convolution drops the dilation.
 */
function conv(kind: 'Conv2D' | 'DepthwiseConv2dNative', node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'>, inputs: TfOut[], ctx: GraphBuildContext, filter: TfOut, bias: TfOut | undefined): TfOut {
  const { g } = ctx;
  const a = node.attrs;
  const [dh, dw] = a.dilation;
  const dilated = dh > 1 || dw > 1;
  if (dilated && (a.strides[0] > 1 || a.strides[1] > 1)) {
    throw new RanasError('E_CONV_DILATION_STRIDE', `${node.name}: dilation ${a.dilation.join('x')} with strides ${a.strides.join('x')}; TF allows dilation > 1 only with stride 1`, { node: node.name });
  }
  const convAttrs = (p: Padding): TfAttr[] => [F32, ['strides', 'ints', [1, ...a.strides, 1]], padding(p), ['data_format', 'string', 'NHWC']];
  let y: TfOut;
  if (!dilated) {
    y = g.out(kind, [one(node, inputs), filter], convAttrs(a.padding), node.name);
  } else {
    const x = one(node, inputs);
    const shape = staticShape(ctx, node, x);
    const h = dilatedAxisPads(shape[1], a.kernel[0], dh, a.padding);
    const w = dilatedAxisPads(shape[2], a.kernel[1], dw, a.padding);
    const blocks = g.constI32([dh, dw]);
    const packed = g.out('SpaceToBatchND', [x, blocks, g.constI32([h.before, h.after + h.extra, w.before, w.after + w.extra], [2, 2])],
      [F32, ['Tblock_shape', 'type', 'int32'], ['Tpaddings', 'type', 'int32']], `${node.name}/s2b`);
    const inner = g.out(kind, [packed, filter], convAttrs('valid'), node.name);
    y = g.out('BatchToSpaceND', [inner, blocks, g.constI32([0, h.extra, 0, w.extra], [2, 2])],
      [F32, ['Tblock_shape', 'type', 'int32'], ['Tcrops', 'type', 'int32']], `${node.name}/b2s`);
  }
  return biasAndActivation(ctx, y, bias, a.activation, node.name);
}

function staticShape(ctx: GraphBuildContext, node: { name: string; op: string }, x: TfOut): number[] {
  const s = ctx.g.shape(x);
  if (!s) throw new RanasError('E_IR_RANK', `node ${node.name} (${node.op}): the graph cannot infer its input's rank`, { node: node.name });
  return s;
}

/**
 * Training batch-norm as one FusedBatchNormV3. A channel count that is not a multiple of 4 on a large tensor
 * runs on channels zero-padded to one (the eager kernel does the same for its gradient: TensorFlow's oneDNN
 * batch-norm gradient takes a slow path otherwise); a padded channel is all zeros and is sliced away.
 */
const batchNorm: GraphBuilder<'batchNorm'> = (node, inputs, ctx) => {
  const { g } = ctx;
  const { epsilon, momentum, affine } = node.attrs;
  const x0 = one(node, inputs);
  const shape = staticShape(ctx, node, x0);
  const c = shape[shape.length - 1];
  const meanName = node.weights.movingMean;
  const varName = node.weights.movingVariance;
  if (meanName === undefined || varName === undefined) throw new RanasError('E_IR_WEIGHT_MISSING', `node ${node.name} (batchNorm) needs movingMean and movingVariance weights`, { node: node.name });
  const rank4 = shape.length === 4;
  const x = rank4 ? x0 : g.out('Reshape', [x0, g.constI32([-1, 1, 1, c])], [F32, ['Tshape', 'type', 'int32']], `${node.name}/as4d`);
  const gamma = affine ? requiredWeight(node, 'gamma', ctx) : g.constF32(new Float32Array(c).fill(1), [c], `${node.name}/ones`);
  const beta = affine ? requiredWeight(node, 'beta', ctx) : g.constF32(new Float32Array(c), [c], `${node.name}/zeros`);
  const stats = [gamma, beta, ctx.weight(meanName), ctx.weight(varName)];
  const rows = rank4 ? ctx.batch * shape[1] * shape[2] : ctx.batch;
  const extra = c % 4 === 0 || rows < BN_GRAD_PAD_MIN_ROWS ? 0 : 4 - (c % 4);
  const pad = (t: TfOut, r: number): TfOut => {
    if (extra === 0) return t;
    const p = r === 4 ? [0, 0, 0, 0, 0, 0, 0, extra] : [0, extra];
    return g.out('Pad', [t, g.constI32(p, [r, 2])], [F32, ['Tpaddings', 'type', 'int32']], `${node.name}/pad`);
  };
  const unpad = (t: TfOut, r: number): TfOut => {
    if (extra === 0) return t;
    const [begin, size] = r === 4 ? [[0, 0, 0, 0], [-1, -1, -1, c]] : [[0], [c]];
    return g.out('Slice', [t, g.constI32(begin), g.constI32(size)], [F32, ['Index', 'type', 'int32']], `${node.name}/unpad`);
  };
  const op = g.op('FusedBatchNormV3', [pad(x, 4), ...stats.map((t) => pad(t, 1))], [
    F32, ['U', 'type', 'float32'], ['epsilon', 'float', epsilon], ['exponential_avg_factor', 'float', 1 - momentum],
    ['data_format', 'string', 'NHWC'], ['is_training', 'bool', true],
  ], node.name);
  ctx.updateBuffer(meanName, unpad([op, 1], 1));
  ctx.updateBuffer(varName, unpad([op, 2], 1));
  const y = unpad([op, 0], 4);
  return rank4 ? y : g.out('Reshape', [y, g.constI32(shape.map((d) => (d < 0 ? -1 : d)))], [F32, ['Tshape', 'type', 'int32']], `${node.name}/back`);
};

function pool(kind: 'MaxPool' | 'AvgPool', node: IrNodeOf<'maxPool'> | IrNodeOf<'avgPool'>, inputs: TfOut[], ctx: GraphBuildContext): TfOut {
  const { kernel, strides } = node.attrs;
  return ctx.g.out(kind, [one(node, inputs)], [F32, ['ksize', 'ints', [1, ...kernel, 1]], ['strides', 'ints', [1, ...strides, 1]], padding(node.attrs.padding), ['data_format', 'string', 'NHWC']], node.name);
}

/** The builder of every IR op. */
export const graphBuilders: { [T in OpType]: GraphBuilder<T> } = {
  conv2d: (node, inputs, ctx) => conv('Conv2D', node, inputs, ctx, requiredWeight(node, 'filter', ctx), optionalWeight(node, 'bias', ctx)),
  depthwiseConv2d: (node, inputs, ctx) => conv('DepthwiseConv2dNative', node, inputs, ctx, requiredWeight(node, 'filter', ctx), optionalWeight(node, 'bias', ctx)),
  batchNorm,
  relu: (node, inputs, ctx) => ctx.g.out('Relu', [one(node, inputs)], [F32], node.name),
  add: (node, inputs, ctx) => {
    if (inputs.length === 0) throw new RanasError('E_IR_ARITY', `node ${node.name} (add) has no inputs`, { node: node.name });
    const flags = node.attrs.dropPath;
    const terms = inputs.map((t, i) => {
      if (!flags?.[i]) return t;
      const rank = ctx.g.shape(t)?.length ?? 4;
      return ctx.g.out('Mul', [t, ctx.dropPathMask(`${node.name}#${i}`, rank)], [F32], `${node.name}/drop${i}`);
    });
    const sum = terms.length === 1 ? terms[0] : ctx.g.out('AddN', [terms], [F32], node.name);
    return node.attrs.activation === 'relu' ? ctx.g.out('Relu', [sum], [F32], `${node.name}/relu`) : sum;
  },
  concat: (node, inputs, ctx) => {
    if (inputs.length === 0) throw new RanasError('E_IR_ARITY', `node ${node.name} (concat) has no inputs`, { node: node.name });
    if (inputs.length === 1) return inputs[0];
    const rank = ctx.g.shape(inputs[0])?.length ?? 4;
    return ctx.g.out('ConcatV2', [inputs, ctx.g.constI32([rank - 1], [])], [F32, ['Tidx', 'type', 'int32']], node.name);
  },
  // A 1×1 max-pool with strides is a subsample; TensorFlow's MaxPool (and its gradient) computes exactly that.
  maxPool: (node, inputs, ctx) => pool('MaxPool', node, inputs, ctx),
  avgPool: (node, inputs, ctx) => pool('AvgPool', node, inputs, ctx),
  globalAvgPool: (node, inputs, ctx) => ctx.g.out('Mean', [one(node, inputs), ctx.g.constI32([1, 2])], [F32, ['Tidx', 'type', 'int32'], ['keep_dims', 'bool', false]], node.name),
  dense: (node, inputs, ctx) => {
    const x = one(node, inputs);
    const shape = staticShape(ctx, node, x);
    const flat = shape.length === 2 ? x : ctx.g.out('Reshape', [x, ctx.g.constI32([-1, shape.slice(1).reduce((a, b) => a * b, 1)])], [F32, ['Tshape', 'type', 'int32']], `${node.name}/flat`);
    const kernel = requiredWeight(node, 'kernel', ctx);
    const y = ctx.g.out('MatMul', [flat, kernel], [F32, ['transpose_a', 'bool', false], ['transpose_b', 'bool', false]], node.name);
    return biasAndActivation(ctx, y, optionalWeight(node, 'bias', ctx), node.attrs.activation, node.name);
  },
  mixedOp: (node, inputs, ctx) => {
    const { alpha, row, primitives } = node.attrs;
    const present = presentPrimitives(node, inputs.length);
    const w = ctx.softmax(alpha);
    const shape = ctx.g.shape(w) ?? [];
    if (shape.length !== 2 || shape[1] !== primitives.length || row < 0 || row >= shape[0]) {
      throw new RanasError('E_IR_SHAPE', `node ${node.name} (mixedOp) needs alpha ${alpha} of shape [rows > ${row}, ${primitives.length}], found [${shape.join(', ')}]`, { node: node.name });
    }
    const terms = present.map((k, i) => {
      const wk = ctx.g.out('Slice', [w, ctx.g.constI32([row, k]), ctx.g.constI32([1, 1])], [F32, ['Index', 'type', 'int32']], `${node.name}/w${k}`);
      const scalar = ctx.g.out('Reshape', [wk, ctx.g.constI32([], [0])], [F32, ['Tshape', 'type', 'int32']], `${node.name}/s${k}`);
      return ctx.g.out('Mul', [inputs[i], scalar], [F32], `${node.name}/m${k}`);
    });
    return terms.length === 1 ? terms[0] : ctx.g.out('AddN', [terms], [F32], node.name);
  },
};

/** Builds `node` through its table entry. */
export function buildGraphNode<T extends OpType>(node: IrNodeOf<T>, inputs: TfOut[], ctx: GraphBuildContext): TfOut {
  const build: GraphBuilder<T> = graphBuilders[node.op];
  return build(node, inputs, ctx);
}
