/**
 * IR op → ONNX nodes, one entry per op type (a missing op fails to compile). Lowerings work in NCHW on
 * float values: in QDQ mode the writer hands them dequantised inputs and dequantised weights and wraps
 * their output in QuantizeLinear/DequantizeLinear, so one table serves fp32 and int8.
 */
import { RanasError } from '../../src/errors.ts';
import type { FusedActivation, IrNodeOf, OpType } from '../../src/ir/types.ts';
import { attrInt, attrInts, type AttributeProto } from './onnx-proto.ts';
import { tfPads } from './layout.ts';

/** How a weight is laid out in ONNX, as a permutation of its IR axes (output axis i = IR axis perm[i]). */
export type WeightLayout = 'convOIHW' | 'depthwiseC1HW' | 'denseOutIn' | 'vector';

/** IR axis order of each ONNX weight layout. */
export const WEIGHT_PERM: Record<WeightLayout, number[]> = {
  convOIHW: [3, 2, 0, 1], // [kh, kw, cin, cout] → [cout, cin, kh, kw]
  depthwiseC1HW: [2, 3, 0, 1], // [kh, kw, c, 1] → [c, 1, kh, kw]
  denseOutIn: [1, 0], // [cin, cout] → [cout, cin] (Gemm transB = 1)
  vector: [0],
};

/** What a lowering may do. Names it returns are ONNX value names holding float data. */
export interface LowerContext {
  /** Float value of the node's i-th input. */
  input(i: number): string;
  /** Where the node's float result must be written. */
  readonly output: string;
  /** IR shape (NHWC, no batch) of a tensor. */
  shape(tensor: string): number[];
  /** A fresh value name derived from the node's name. */
  temp(suffix: string): string;
  /**
   * True when the node's output is quantised with zero point −128 (QDQ mode): QuantizeLinear then
   * saturates every negative value to the step of real 0, which is what a ReLU before it would give,
   * so a fused ReLU is left out (onnxruntime drops such a ReLU too). Always false in fp32.
   */
  readonly outputClampsAtZero: boolean;
  /** Appends an ONNX node. */
  emit(opType: string, inputs: string[], outputs: string[], attrs?: AttributeProto[]): void;
  /** Float weight in the given ONNX layout (dequantised in QDQ mode). */
  weight(weightName: string, layout: WeightLayout): string;
  /**
   * Emits an averaging op (`AveragePool`, `GlobalAveragePool`) of input 0 into `out`. fp32: the op itself.
   * QDQ: the op runs on the centred integers q − zp (DequantizeLinear with scale 1, exact), so sums and
   * x.5 ties are exact; QuantizeLinear with scale 1 rounds the mean to input 0's grid (ties to even) and
   * DequantizeLinear with input 0's parameters gives `out` — not float noise in dequantised values.
   */
  averageOnGrid(opType: 'AveragePool' | 'GlobalAveragePool', attrs: AttributeProto[], out: string): void;
}

type Lowering<T extends OpType> = (node: IrNodeOf<T>, ctx: LowerContext) => void;
type LoweringTable = { [T in OpType]: Lowering<T> };

/** Emits the core op into a temp value and the fused activation from it into the node's output. */
function withActivation(ctx: LowerContext, activation: FusedActivation, core: (out: string) => void): void {
  const ACTIVATIONS: Record<FusedActivation, () => void> = {
    none: () => core(ctx.output),
    relu: () => {
      if (ctx.outputClampsAtZero) {
        core(ctx.output);
        return;
      }
      const pre = ctx.temp('preact');
      core(pre);
      ctx.emit('Relu', [pre], [ctx.output]);
    },
  };
  ACTIVATIONS[activation]();
}

function spatialIn(node: { name: string; op: string; inputs: string[] }, ctx: LowerContext): [number, number] {
  const shape = ctx.shape(node.inputs[0]);
  if (shape.length !== 3) {
    throw new RanasError('E_ONNX_SHAPE', `node ${node.name} (${node.op}) expects a [H, W, C] input, found [${shape.join(', ')}] for ${node.inputs[0]}`, { node: node.name });
  }
  return [shape[0], shape[1]];
}

function requireWeight(node: { name: string; op: string }, name: string | undefined, role: string): string {
  if (name === undefined) throw new RanasError('E_ONNX_WEIGHT', `node ${node.name} (${node.op}) has no ${role} weight`, { node: node.name });
  return name;
}

function convLike(
  node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'>,
  ctx: LowerContext,
  layout: WeightLayout,
  group: number,
): void {
  const a = node.attrs;
  const inputs = [ctx.input(0), ctx.weight(requireWeight(node, node.weights.filter, 'filter'), layout)];
  if (node.weights.bias !== undefined) inputs.push(ctx.weight(node.weights.bias, 'vector'));
  // Attributes at their ONNX defaults are left out (kernel_shape is inferred from W; strides and
  // dilations 1, pads 0, group 1): the same model in fewer bytes, for fp32 and int8 alike.
  const pads = tfPads(a.padding, spatialIn(node, ctx), a.kernel, a.strides, a.dilation);
  const attrs = [
    ...(a.strides.every((v) => v === 1) ? [] : [attrInts('strides', a.strides)]),
    ...(a.dilation.every((v) => v === 1) ? [] : [attrInts('dilations', a.dilation)]),
    ...(pads.every((v) => v === 0) ? [] : [attrInts('pads', pads)]),
    ...(group === 1 ? [] : [attrInt('group', group)]),
  ];
  withActivation(ctx, a.activation, (out) => ctx.emit('Conv', inputs, [out], attrs));
}

function pool(opType: 'AveragePool' | 'MaxPool', node: IrNodeOf<'avgPool'> | IrNodeOf<'maxPool'>, ctx: LowerContext): void {
  const a = node.attrs;
  const attrs = [
    attrInts('kernel_shape', a.kernel),
    attrInts('strides', a.strides),
    attrInts('pads', tfPads(a.padding, spatialIn(node, ctx), a.kernel, a.strides)),
  ];
  if (opType === 'MaxPool') {
    ctx.emit(opType, [ctx.input(0)], [ctx.output], attrs);
    return;
  }
  // TF (and DARTS) average pooling leaves padded cells out of the count.
  attrs.push(attrInt('count_include_pad', 0));
  ctx.averageOnGrid(opType, attrs, ctx.output);
}

function noLowering(node: { name: string; op: OpType }, why: string): never {
  throw new RanasError('E_ONNX_UNSUPPORTED_OP', `node ${node.name}: op ${node.op} has no ONNX lowering (${why})`, { node: node.name, op: node.op });
}

/** The lowering of every IR op. */
export const ONNX_LOWERINGS: LoweringTable = {
  conv2d: (node, ctx) => convLike(node, ctx, 'convOIHW', 1),
  depthwiseConv2d: (node, ctx) => convLike(node, ctx, 'depthwiseC1HW', ctx.shape(node.inputs[0])[2]),
  batchNorm: (node) => noLowering(node, 'run foldBatchNorm first'),
  mixedOp: (node) => noLowering(node, 'a search-only op; export a discretised model'),
  relu: (_node, ctx) => ctx.emit('Relu', [ctx.input(0)], [ctx.output]),
  add: (node, ctx) =>
    withActivation(ctx, node.attrs.activation, (out) => {
      const ins = node.inputs.map((_, i) => ctx.input(i));
      const opType = ins.length === 2 ? 'Add' : ins.length === 1 ? 'Identity' : 'Sum';
      ctx.emit(opType, ins, [out]);
    }),
  concat: (node, ctx) => ctx.emit('Concat', node.inputs.map((_, i) => ctx.input(i)), [ctx.output], [attrInt('axis', 1)]),
  maxPool: (node, ctx) => pool('MaxPool', node, ctx),
  avgPool: (node, ctx) => pool('AveragePool', node, ctx),
  globalAvgPool: (node, ctx) => {
    spatialIn(node, ctx);
    const pooled = ctx.temp('gap4d');
    ctx.averageOnGrid('GlobalAveragePool', [], pooled);
    ctx.emit('Flatten', [pooled], [ctx.output], [attrInt('axis', 1)]);
  },
  dense: (node, ctx) => {
    const inShape = ctx.shape(node.inputs[0]);
    if (inShape.length !== 1) {
      throw new RanasError('E_ONNX_SHAPE', `node ${node.name} (dense) expects a [C] input, found [${inShape.join(', ')}] for ${node.inputs[0]}`, { node: node.name });
    }
    const inputs = [ctx.input(0), ctx.weight(requireWeight(node, node.weights.kernel, 'kernel'), 'denseOutIn')];
    if (node.weights.bias !== undefined) inputs.push(ctx.weight(node.weights.bias, 'vector'));
    withActivation(ctx, node.attrs.activation, (out) => ctx.emit('Gemm', inputs, [out], [attrInt('transB', 1)]));
  },
};

/** Lowers one node through the table. */
export function lowerNode<T extends OpType>(node: IrNodeOf<T>, ctx: LowerContext): void {
  const lowering: Lowering<T> = ONNX_LOWERINGS[node.op];
  lowering(node, ctx);
}
