/**
 * IR op → TFLite operators, one entry per IR op type (a missing entry fails to compile). Each lowering
 * checks its node's attributes and shapes, adds its constants (weights in TFLite layout, int8 with their
 * quantisation when the model is int8) and appends its operators. The node's output tensor already
 * exists (`ctx.output`); inputs are looked up by IR tensor name.
 */
import { RanasError } from '../../src/errors.ts';
import { UNIT_WEIGHT, unitWeightScale } from '../quantize/unit-depthwise.ts';
import { axisGeometry } from '../../src/ir/padding.ts';
import type { FusedActivation, IrNode, IrNodeOf, ModelGraph, OpType, Padding, WeightTensor } from '../../src/ir/types.ts';
import type { QuantizedGraph, QuantizedWeight, TensorQuant } from '../quant-types.ts';
import type { TfliteGraphBuilder } from './graph-builder.ts';
import { DENSE_TO_OUT_IN, FILTER_TO_OHWI, permuteInto, permuteShape } from './layouts.ts';
import type { QuantSpec } from './model-spec.ts';
import { opVersion, type OpPrecision } from './op-versions.ts';

/** What a lowering sees. */
export interface LoweringContext {
  readonly precision: OpPrecision;
  readonly builder: TfliteGraphBuilder;
  readonly weights: ModelGraph['weights'];
  /** Present exactly when `precision` is int8. */
  readonly quant: QuantizedGraph | undefined;
  /** Index of the node's output tensor (created before the lowering runs). */
  readonly output: number;
  /** Index of an IR tensor inside the model. */
  input(name: string): number;
  /** Shape of an IR tensor without batch. */
  shape(name: string): number[];
  /** Quantisation of an IR activation tensor (int8 only). */
  activationQuant(name: string): TensorQuant;
}

/** Lowers one node of op type T. */
export type Lowering<T extends OpType> = (node: IrNodeOf<T>, ctx: LoweringContext) => void;

/** Every IR op's lowering. */
export const LOWERINGS: { [T in OpType]: Lowering<T> } = {
  conv2d: (node, ctx) => lowerConv(node, ctx),
  depthwiseConv2d: (node, ctx) => lowerConv(node, ctx),
  batchNorm: (node) => {
    throw noLowering(node, 'fold batch-norm first (converters/passes foldBatchNorm)');
  },
  mixedOp: (node) => {
    throw noLowering(node, 'search-only op; export a discretised (genotype) network');
  },
  relu: (node, ctx) => {
    expectInputs(node, 1);
    const inShape = ctx.shape(node.inputs[0]);
    expectShape(node, ctx, inShape);
    // int8 on a feature map: a 1×1 unit depthwise convolution with fused RELU (XNNPACK leaves int8 RELU out).
    if (ctx.quant && inShape.length === 3) {
      unitDepthwise(ctx, ctx.input(node.inputs[0]), node.inputs[0], [1, 1], inShape[2], ctx.output, 'RELU');
      return;
    }
    ctx.builder.addOperator('RELU', opVersion('RELU', ctx.precision), [ctx.input(node.inputs[0])], [ctx.output]);
  },
  add: (node, ctx) => {
    if (node.inputs.length < 2) throw unsupported(node, `add needs at least 2 inputs, found ${node.inputs.length}`);
    const outShape = ctx.shape(node.name);
    for (const name of node.inputs) {
      if (!sameShape(ctx.shape(name), outShape)) {
        throw unsupported(node, `input '${name}' has shape [${ctx.shape(name)}], expected [${outShape}] like the output (no broadcasting)`);
      }
    }
    // TFLite ADD takes two inputs: a chain, partial sums carry the output's type and quantisation, and only
    // the last ADD applies the fused activation.
    const out = ctx.builder.tensorAt(ctx.output);
    let acc = ctx.input(node.inputs[0]);
    for (let i = 1; i < node.inputs.length; i++) {
      const last = i === node.inputs.length - 1;
      const dst = last ? ctx.output : ctx.builder.addActivation(ctx.builder.uniqueName(`${node.name}/partial_sum_${i}`), out.shape, out.type, out.quant);
      const activation = last ? activationOf(node.attrs.activation) : 'NONE';
      ctx.builder.addOperator('ADD', opVersion('ADD', ctx.precision), [acc, ctx.input(node.inputs[i])], [dst], { kind: 'AddOptions', activation });
      acc = dst;
    }
  },
  concat: (node, ctx) => {
    if (node.inputs.length < 1) throw unsupported(node, 'concat needs at least 1 input');
    const shapes = node.inputs.map((n) => ctx.shape(n));
    const rank = shapes[0].length;
    for (let i = 0; i < shapes.length; i++) {
      const s = shapes[i];
      if (s.length !== rank || s.slice(0, -1).some((d, k) => d !== shapes[0][k])) {
        throw unsupported(node, `input '${node.inputs[i]}' has shape [${s}], expected [${shapes[0].slice(0, -1)},*] like '${node.inputs[0]}'`);
      }
    }
    const channels = shapes.reduce((n, s) => n + s[rank - 1], 0);
    expectShape(node, ctx, [...shapes[0].slice(0, -1), channels]);
    ctx.builder.addOperator('CONCATENATION', opVersion('CONCATENATION', ctx.precision), node.inputs.map((n) => ctx.input(n)), [ctx.output], {
      kind: 'ConcatenationOptions',
      axis: rank, // the channel axis of the batched tensor
      activation: 'NONE',
    });
  },
  maxPool: (node, ctx) => lowerPool(node, ctx, 'MAX_POOL_2D'),
  avgPool: (node, ctx) => lowerPool(node, ctx, 'AVERAGE_POOL_2D'),
  globalAvgPool: (node, ctx) => {
    expectInputs(node, 1);
    const inShape = ctx.shape(node.inputs[0]);
    if (inShape.length !== 3) throw unsupported(node, `input shape [${inShape}] is not [H,W,C]`);
    expectShape(node, ctx, [inShape[2]]);
    const channels = inShape[2];
    const x = ctx.input(node.inputs[0]);
    if (ctx.quant) {
      // int8: TFLite 2.9's MEAN rounds differently per path and XNNPACK leaves int8 AVERAGE_POOL_2D out, so
      // the mean is an H×W VALID depthwise convolution with unit weights (quantize/unit-depthwise.ts), in the
      // node's output quantisation; RESHAPE drops the 1×1 spatial dims.
      const out = ctx.builder.tensorAt(ctx.output);
      const conv = ctx.builder.addActivation(ctx.builder.uniqueName(`${node.name}/mean_1x1`), [1, 1, 1, channels], out.type, out.quant);
      unitDepthwise(ctx, x, node.inputs[0], [inShape[0], inShape[1]], channels, conv, 'NONE');
      const shape = generated(ctx, [2], 'INT32', Int32Array.from([1, channels]));
      ctx.builder.addOperator('RESHAPE', opVersion('RESHAPE', ctx.precision), [conv, shape], [ctx.output], { kind: 'ReshapeOptions', newShape: [1, channels] });
      return;
    }
    // fp32: an AVERAGE_POOL_2D over the whole map, then RESHAPE drops the 1×1 spatial dims.
    const out = ctx.builder.tensorAt(ctx.output);
    const pooled = ctx.builder.addActivation(ctx.builder.uniqueName(`${node.name}/pool_1x1`), [1, 1, 1, channels], out.type);
    ctx.builder.addOperator('AVERAGE_POOL_2D', opVersion('AVERAGE_POOL_2D', ctx.precision), [x], [pooled], {
      kind: 'Pool2DOptions', padding: 'VALID', strideH: 1, strideW: 1, filterH: inShape[0], filterW: inShape[1], activation: 'NONE',
    });
    const newShape = generated(ctx, [2], 'INT32', Int32Array.from([1, channels]));
    ctx.builder.addOperator('RESHAPE', opVersion('RESHAPE', ctx.precision), [pooled, newShape], [ctx.output], { kind: 'ReshapeOptions', newShape: [1, channels] });
  },
  dense: (node, ctx) => {
    expectInputs(node, 1);
    const kernel = floatWeight(node, ctx, 'kernel');
    const [cin, cout] = kernel.shape;
    if (kernel.shape.length !== 2 || cout !== node.attrs.units) {
      throw unsupported(node, `kernel shape [${kernel.shape}], expected [cin, ${node.attrs.units}]`);
    }
    const inSize = ctx.shape(node.inputs[0]).reduce((a, b) => a * b, 1);
    if (inSize !== cin) throw unsupported(node, `input '${node.inputs[0]}' holds ${inSize} values, kernel expects ${cin}`);
    expectShape(node, ctx, [cout]);
    const kernelName = nodeWeightName(node, 'kernel');
    const outShape = permuteShape(kernel.shape, DENSE_TO_OUT_IN);
    let weightsIdx: number;
    let weightScales: Float32Array | undefined;
    if (ctx.quant) {
      const q = quantWeight(node, ctx.quant, kernelName, 'int8', kernel.data.length);
      if (q.scales.length !== 1) throw unsupported(node, `dense kernel '${kernelName}' has ${q.scales.length} scales; TFLite 2.9 FULLY_CONNECTED needs per-tensor (1)`);
      weightScales = q.scales;
      const values = permuteInto(q.values, kernel.shape, DENSE_TO_OUT_IN, new Int8Array(q.values.length));
      weightsIdx = constant(ctx, kernelName, outShape, 'INT8', values, perChannel(q.scales, 0));
    } else {
      weightsIdx = constant(ctx, kernelName, outShape, 'FLOAT32', permuteInto(kernel.data, kernel.shape, DENSE_TO_OUT_IN, new Float32Array(kernel.data.length)));
    }
    const bias = biasTensor(node, ctx, cout, weightScales);
    ctx.builder.addOperator('FULLY_CONNECTED', opVersion('FULLY_CONNECTED', ctx.precision), [ctx.input(node.inputs[0]), weightsIdx, bias], [ctx.output], {
      kind: 'FullyConnectedOptions',
      activation: activationOf(node.attrs.activation),
    });
  },
};

/** Lowers any node through the table. */
export function lowerNode(node: IrNode, ctx: LoweringContext): void {
  dispatch(node, ctx);
}

function dispatch<T extends OpType>(node: IrNodeOf<T>, ctx: LoweringContext): void {
  const lowering: Lowering<T> = LOWERINGS[node.op];
  lowering(node, ctx);
}

function lowerConv(node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'>, ctx: LoweringContext): void {
  expectInputs(node, 1);
  const depthwise = node.op === 'depthwiseConv2d';
  const { kernel, strides, dilation, padding } = node.attrs;
  if ((dilation[0] > 1 || dilation[1] > 1) && (strides[0] > 1 || strides[1] > 1)) {
    throw unsupported(node, `dilation [${dilation}] with strides [${strides}]; TFLite (like TF) needs stride 1 when dilated`);
  }
  const inShape = ctx.shape(node.inputs[0]);
  if (inShape.length !== 3) throw unsupported(node, `input shape [${inShape}] is not [H,W,C]`);
  const filter = floatWeight(node, ctx, 'filter');
  const cin = inShape[2];
  const cout = node.op === 'conv2d' ? node.attrs.filters : cin;
  const expectedFilter = depthwise ? [kernel[0], kernel[1], cin, 1] : [kernel[0], kernel[1], cin, cout];
  if (!sameShape(filter.shape, expectedFilter)) throw unsupported(node, `filter shape [${filter.shape}], expected [${expectedFilter}]`);
  expectShape(node, ctx, [
    axisGeometry(inShape[0], kernel[0], strides[0], dilation[0], padding).out,
    axisGeometry(inShape[1], kernel[1], strides[1], dilation[1], padding).out,
    cout,
  ]);

  const filterName = nodeWeightName(node, 'filter');
  const tfliteShape = permuteShape(filter.shape, FILTER_TO_OHWI); // [cout,kh,kw,cin] or [1,kh,kw,c]
  let filterIdx: number;
  let filterScales: Float32Array | undefined;
  if (ctx.quant) {
    const q = quantWeight(node, ctx.quant, filterName, 'int8', filter.data.length);
    if (q.scales.length !== cout) throw unsupported(node, `filter '${filterName}' has ${q.scales.length} scales, expected one per output channel (${cout})`);
    filterScales = q.scales;
    const values = permuteInto(q.values, filter.shape, FILTER_TO_OHWI, new Int8Array(q.values.length));
    // Per-channel axis in TFLite layout: output channel 0 for CONV_2D, channel 3 for DEPTHWISE_CONV_2D.
    filterIdx = constant(ctx, filterName, tfliteShape, 'INT8', values, perChannel(q.scales, depthwise ? 3 : 0));
  } else {
    filterIdx = constant(ctx, filterName, tfliteShape, 'FLOAT32', permuteInto(filter.data, filter.shape, FILTER_TO_OHWI, new Float32Array(filter.data.length)));
  }
  const bias = biasTensor(node, ctx, cout, filterScales);
  const inputs = [ctx.input(node.inputs[0]), filterIdx, bias];
  const common = {
    padding: paddingOf(padding),
    strideH: strides[0],
    strideW: strides[1],
    activation: activationOf(node.attrs.activation),
    dilationH: dilation[0],
    dilationW: dilation[1],
  };
  const dilated = dilation[0] !== 1 || dilation[1] !== 1;
  if (depthwise) {
    ctx.builder.addOperator('DEPTHWISE_CONV_2D', opVersion('DEPTHWISE_CONV_2D', ctx.precision, { dilated }), inputs, [ctx.output], {
      kind: 'DepthwiseConv2DOptions',
      depthMultiplier: 1,
      ...common,
    });
  } else {
    ctx.builder.addOperator('CONV_2D', opVersion('CONV_2D', ctx.precision, { dilated }), inputs, [ctx.output], { kind: 'Conv2DOptions', ...common });
  }
}

function lowerPool(node: IrNodeOf<'maxPool'> | IrNodeOf<'avgPool'>, ctx: LoweringContext, op: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D'): void {
  expectInputs(node, 1);
  const { kernel, strides, padding } = node.attrs;
  const inShape = ctx.shape(node.inputs[0]);
  if (inShape.length !== 3) throw unsupported(node, `input shape [${inShape}] is not [H,W,C]`);
  expectShape(node, ctx, [axisGeometry(inShape[0], kernel[0], strides[0], 1, padding).out, axisGeometry(inShape[1], kernel[1], strides[1], 1, padding).out, inShape[2]]);
  ctx.builder.addOperator(op, opVersion(op, ctx.precision), [ctx.input(node.inputs[0])], [ctx.output], {
    kind: 'Pool2DOptions',
    padding: paddingOf(padding),
    strideH: strides[0],
    strideW: strides[1],
    filterH: kernel[0],
    filterW: kernel[1],
    activation: 'NONE',
  });
}

/** The bias input: the node's bias weight, or zeros (TFLite versions assume a bias is present). */
function biasTensor(
  node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'> | IrNodeOf<'dense'>,
  ctx: LoweringContext,
  channels: number,
  weightScales: Float32Array | undefined,
): number {
  const biasName: string | undefined = node.weights.bias;
  const bias = biasName === undefined ? undefined : floatWeight(node, ctx, 'bias');
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== channels)) throw unsupported(node, `bias shape [${bias.shape}], expected [${channels}]`);
  if (!ctx.quant || !weightScales) {
    return biasName && bias ? constant(ctx, biasName, [channels], 'FLOAT32', bias.data) : generated(ctx, [channels], 'FLOAT32', new Float32Array(channels));
  }

  const inputScale = ctx.activationQuant(node.inputs[0]).scale;
  // One bias scale per weight scale: per-channel for conv/depthwise, a single one for a per-tensor dense
  // kernel (TFLite takes either; stricter readers such as ArmNN need the counts to match).
  const perTensor = weightScales.length === 1;
  const scaleCount = perTensor ? 1 : channels;
  const expected = Array.from({ length: scaleCount }, (_, c) => Math.fround(inputScale) * weightScales[c]);
  const biasQuant = (scale: number[]): QuantSpec => ({ scale, zeroPoint: new Array<number>(scale.length).fill(0), quantizedDimension: 0 });
  if (biasName === undefined) return generated(ctx, [channels], 'INT32', new Int32Array(channels), biasQuant(expected));
  const q = quantWeight(node, ctx.quant, biasName, 'int32', channels);
  if (q.scales.length !== 1 && q.scales.length !== scaleCount) {
    throw unsupported(node, `bias '${biasName}' has ${q.scales.length} scales, expected ${scaleCount} like its weight`);
  }
  const scales = Array.from({ length: scaleCount }, (_, c) => q.scales[q.scales.length === 1 ? 0 : c]);
  for (let c = 0; c < scaleCount; c++) {
    // TFLite 2.9 does not check this, and a wrong bias scale silently shifts every output.
    if (Math.abs(scales[c] - expected[c]) > 1e-5 * Math.abs(expected[c])) {
      throw unsupported(node, `bias '${biasName}' channel ${c} has scale ${scales[c]}, expected input scale × weight scale = ${expected[c]}`);
    }
  }
  return constant(ctx, biasName, [channels], 'INT32', q.values, biasQuant(scales));
}

/**
 * A depthwise convolution with unit weights over a `kernel` window (VALID, stride 1) from tensor `x` (IR
 * tensor `xName`) into `out`: ReLU (1×1, fused RELU) or the whole-map mean (H×W), see unit-depthwise.ts.
 */
function unitDepthwise(ctx: LoweringContext, x: number, xName: string, kernel: [number, number], channels: number, out: number, activation: 'NONE' | 'RELU'): void {
  const cells = kernel[0] * kernel[1];
  const wScale = unitWeightScale(cells);
  const scales = new Array<number>(channels).fill(wScale);
  const filter = ctx.builder.addConstant(ctx.builder.constantName(), [1, kernel[0], kernel[1], channels], 'INT8', new Int8Array(cells * channels).fill(UNIT_WEIGHT), { scale: scales, zeroPoint: new Array<number>(channels).fill(0), quantizedDimension: 3 });
  const biasScale = Math.fround(ctx.activationQuant(xName).scale) * wScale;
  const bias = generated(ctx, [channels], 'INT32', new Int32Array(channels), { scale: new Array<number>(channels).fill(biasScale), zeroPoint: new Array<number>(channels).fill(0), quantizedDimension: 0 });
  ctx.builder.addOperator('DEPTHWISE_CONV_2D', opVersion('DEPTHWISE_CONV_2D', ctx.precision, { dilated: false }), [x, filter, bias], [out], {
    kind: 'DepthwiseConv2DOptions', depthMultiplier: 1, padding: 'VALID', strideH: 1, strideW: 1, activation, dilationH: 1, dilationW: 1,
  });
}

/** The constant holding an IR weight (stored once however many nodes use it), under a short generated name. */
function constant(ctx: LoweringContext, weightName: string, shape: number[], type: 'FLOAT32' | 'INT32' | 'INT8', values: Float32Array | Int32Array | Int8Array, quant?: QuantSpec): number {
  return ctx.builder.weightConstant(weightName, shape, type, (tensorName) => ctx.builder.addConstant(tensorName, shape, type, values, quant));
}

/** A constant the lowering makes up (zero bias, reshape target), under a short name no IR tensor uses. */
function generated(ctx: LoweringContext, shape: number[], type: 'FLOAT32' | 'INT32', values: Float32Array | Int32Array, quant?: QuantSpec): number {
  return ctx.builder.addConstant(ctx.builder.constantName(), shape, type, values, quant);
}

function perChannel(scales: Float32Array, axis: number): QuantSpec {
  return { scale: Array.from(scales), zeroPoint: new Array<number>(scales.length).fill(0), quantizedDimension: axis };
}

function nodeWeightName(node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'> | IrNodeOf<'dense'>, role: 'filter' | 'kernel' | 'bias'): string {
  const weights: Partial<Record<string, string>> = node.weights;
  const name = weights[role];
  if (name === undefined) throw unsupported(node, `no '${role}' weight`);
  return name;
}

function floatWeight(node: IrNodeOf<'conv2d'> | IrNodeOf<'depthwiseConv2d'> | IrNodeOf<'dense'>, ctx: LoweringContext, role: 'filter' | 'kernel' | 'bias'): WeightTensor {
  const name = nodeWeightName(node, role);
  const w = ctx.weights[name];
  if (!w) throw unsupported(node, `weight '${name}' (${role}) is not in graph.weights`);
  return w;
}

function quantWeight(node: IrNode, q: QuantizedGraph, name: string, kind: 'int8' | 'int32', count: number): QuantizedWeight & { values: Int8Array | Int32Array } {
  const w = q.weights[name];
  if (!w) throw unsupported(node, `weight '${name}' has no quantised values in the QuantizedGraph`);
  const ok = kind === 'int8' ? w.values instanceof Int8Array : w.values instanceof Int32Array;
  if (!ok || w.values.length !== count) {
    throw unsupported(node, `quantised weight '${name}' is ${w.values.length} values in a ${w.values.constructor.name}, expected ${count} ${kind}`);
  }
  return w;
}

function expectShape(node: IrNode, ctx: LoweringContext, computed: number[]): void {
  const given = ctx.shape(node.name);
  if (!sameShape(given, computed)) throw unsupported(node, `output shape is [${given}] in the shape map, but the op computes [${computed}]`);
}

function expectInputs(node: IrNode, count: number): void {
  if (node.inputs.length !== count) throw unsupported(node, `${node.op} takes ${count} input(s), found ${node.inputs.length}`);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function paddingOf(p: Padding): 'SAME' | 'VALID' {
  return p === 'same' ? 'SAME' : 'VALID';
}

function activationOf(a: FusedActivation): 'NONE' | 'RELU' {
  return a === 'relu' ? 'RELU' : 'NONE';
}

function unsupported(node: IrNode, why: string): RanasError {
  return new RanasError('E_TFLITE_UNSUPPORTED', `node '${node.name}' (${node.op}): ${why}`, { node: node.name, op: node.op });
}

function noLowering(node: IrNode, why: string): RanasError {
  return new RanasError('E_TFLITE_NO_LOWERING', `node '${node.name}' has op '${node.op}' with no TFLite lowering: ${why}`, { node: node.name, op: node.op });
}
