/**
 * Shape rules of the IR, one entry per op type: the output shape from the input shapes and attributes, and
 * the weights each op needs with their shapes. Shapes leave out the batch dimension ([H, W, C] feature maps,
 * [C] vectors). Padding follows TensorFlow: `same` gives out = ceil(in / stride) (extra padding at the
 * bottom/right), `valid` gives out = floor((in - effectiveKernel) / stride) + 1 with
 * effectiveKernel = (k - 1) * dilation + 1.
 *
 * Rules throw a plain `ShapeRuleError` with what was expected; `validate.ts` wraps it into a RanasError that
 * names the node and op.
 */
import { axisGeometry, effectiveKernel } from './padding.ts';
import type { IrNode, OpAttrs, OpType, OpWeights, Padding } from './types.ts';

/** A broken shape rule: `message` says what was found and what was expected. */
export class ShapeRuleError extends Error {}

/** Weight role → expected shape, and whether the role is required. */
export type WeightRule = { shape: number[]; required: boolean };

interface OpRule<T extends OpType> {
  /** Number of inputs: exact, or [min, max] (max Infinity for variadic). */
  arity: number | [number, number];
  output(inputs: number[][], attrs: OpAttrs[T]): number[];
  weights(inputs: number[][], attrs: OpAttrs[T]): Record<OpWeights[T], WeightRule>;
}

function fail(message: string): never {
  throw new ShapeRuleError(message);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function featureMap(shape: number[], what: string): [number, number, number] {
  if (shape.length !== 3) fail(`${what} must be a feature map [H, W, C], found ${fmt(shape)}`);
  return [shape[0], shape[1], shape[2]];
}

function positivePair(p: [number, number], what: string): void {
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 1)) {
    fail(`${what} must be two positive integers, found ${JSON.stringify(p)}`);
  }
}

/** Output length of one spatial axis under TF padding semantics (`padding.ts`); a valid window must fit. */
export function convOutLength(inLength: number, kernel: number, stride: number, dilation: number, padding: Padding): number {
  const effective = effectiveKernel(kernel, dilation);
  if (padding === 'valid' && inLength < effective) fail(`valid window ${effective} is larger than the input length ${inLength}`);
  return axisGeometry(inLength, kernel, stride, dilation, padding).out;
}

function windowOut(
  input: number[],
  a: { kernel: [number, number]; strides: [number, number]; padding: Padding; dilation?: [number, number] },
): [number, number] {
  positivePair(a.kernel, 'kernel');
  positivePair(a.strides, 'strides');
  const dilation = a.dilation ?? [1, 1];
  positivePair(dilation, 'dilation');
  if (a.padding !== 'same' && a.padding !== 'valid') fail(`padding must be 'same' or 'valid', found ${JSON.stringify(a.padding)}`);
  const [h, w] = featureMap(input, 'input');
  return [convOutLength(h, a.kernel[0], a.strides[0], dilation[0], a.padding), convOutLength(w, a.kernel[1], a.strides[1], dilation[1], a.padding)];
}

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1) fail(`${what} must be a positive integer, found ${v}`);
}

function sameShapes(inputs: number[][]): number[] {
  const first = inputs[0];
  inputs.forEach((s, i) => {
    if (fmt(s) !== fmt(first)) fail(`all inputs must have the same shape; input 0 is ${fmt(first)}, input ${i} is ${fmt(s)}`);
  });
  return [...first];
}

const none = (): Record<never, WeightRule> => ({});

/** The shape rule of every op type. */
export const OP_RULES: { [T in OpType]: OpRule<T> } = {
  conv2d: {
    arity: 1,
    output: (inputs, a) => {
      positiveInt(a.filters, 'filters');
      return [...windowOut(inputs[0], a), a.filters];
    },
    weights: (inputs, a) => ({
      filter: { shape: [a.kernel[0], a.kernel[1], featureMap(inputs[0], 'input')[2], a.filters], required: true },
      bias: { shape: [a.filters], required: false },
    }),
  },
  depthwiseConv2d: {
    arity: 1,
    output: (inputs, a) => [...windowOut(inputs[0], a), featureMap(inputs[0], 'input')[2]],
    weights: (inputs, a) => {
      const c = featureMap(inputs[0], 'input')[2];
      return { filter: { shape: [a.kernel[0], a.kernel[1], c, 1], required: true }, bias: { shape: [c], required: false } };
    },
  },
  batchNorm: {
    arity: 1,
    output: (inputs, a) => {
      if (!(a.epsilon > 0)) fail(`epsilon must be > 0, found ${a.epsilon}`);
      if (!(a.momentum >= 0 && a.momentum < 1)) fail(`momentum must be in [0, 1), found ${a.momentum}`);
      return [...inputs[0]];
    },
    weights: (inputs, a) => {
      const c = inputs[0][inputs[0].length - 1];
      return {
        gamma: { shape: [c], required: a.affine },
        beta: { shape: [c], required: a.affine },
        movingMean: { shape: [c], required: true },
        movingVariance: { shape: [c], required: true },
      };
    },
  },
  relu: { arity: 1, output: (inputs) => [...inputs[0]], weights: none },
  add: {
    arity: [2, Infinity],
    output: (inputs, a) => {
      if (a.dropPath !== undefined && a.dropPath.length !== inputs.length) {
        fail(`dropPath has ${a.dropPath.length} flags; expected one per input (${inputs.length})`);
      }
      return sameShapes(inputs);
    },
    weights: none,
  },
  concat: {
    arity: [1, Infinity],
    output: (inputs) => {
      const maps = inputs.map((s, i) => featureMap(s, `input ${i}`));
      const [h, w] = maps[0];
      maps.forEach(([hi, wi], i) => {
        if (hi !== h || wi !== w) fail(`concat inputs must share H and W; input 0 is ${h}x${w}, input ${i} is ${hi}x${wi}`);
      });
      return [h, w, maps.reduce((sum, m) => sum + m[2], 0)];
    },
    weights: none,
  },
  maxPool: { arity: 1, output: (inputs, a) => [...windowOut(inputs[0], a), featureMap(inputs[0], 'input')[2]], weights: none },
  avgPool: { arity: 1, output: (inputs, a) => [...windowOut(inputs[0], a), featureMap(inputs[0], 'input')[2]], weights: none },
  globalAvgPool: { arity: 1, output: (inputs) => [featureMap(inputs[0], 'input')[2]], weights: none },
  dense: {
    arity: 1,
    output: (inputs, a) => {
      if (inputs[0].length !== 1) fail(`dense input must be a vector [C], found ${fmt(inputs[0])}`);
      positiveInt(a.units, 'units');
      return [a.units];
    },
    weights: (inputs, a) => ({
      kernel: { shape: [inputs[0][0], a.units], required: true },
      bias: { shape: [a.units], required: false },
    }),
  },
  mixedOp: {
    arity: [1, Infinity],
    output: (inputs, a) => {
      if (!Array.isArray(a.primitives) || a.primitives.length < inputs.length) {
        fail(`primitives must list at least one name per input (${inputs.length}), found ${JSON.stringify(a.primitives)}`);
      }
      if (!Number.isInteger(a.row) || a.row < 0) fail(`row must be a non-negative integer, found ${a.row}`);
      return sameShapes(inputs);
    },
    weights: none,
  },
};

/** Output shape of `node` given its input shapes (throws ShapeRuleError). */
export function inferNodeShape(node: IrNode, inputs: number[][]): number[] {
  const rule = OP_RULES[node.op] as OpRule<OpType>;
  checkArity(rule.arity, inputs.length);
  return rule.output(inputs, node.attrs);
}

/** Expected weights of `node` given its input shapes (throws ShapeRuleError). */
export function expectedWeights(node: IrNode, inputs: number[][]): Record<string, WeightRule> {
  const rule = OP_RULES[node.op] as OpRule<OpType>;
  return rule.weights(inputs, node.attrs);
}

function checkArity(arity: number | [number, number], n: number): void {
  const [lo, hi] = typeof arity === 'number' ? [arity, arity] : arity;
  if (n < lo || n > hi) {
    const want = lo === hi ? `${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
    fail(`expected ${want} input(s), found ${n}`);
  }
}
