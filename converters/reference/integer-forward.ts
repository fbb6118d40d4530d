/**
 * The project's own int8 reference executor: runs a QuantizedGraph with the int8 kernels
 * (integer-kernels.ts) under TFLite's requantisation rules (default), so a TFLite int8 model written from
 * the same QuantizedGraph must agree with it (bit-exact for convolutions, within one output step
 * elsewhere), or under ONNX QDQ's rules, which a QDQ ONNX model run in onnxruntime must agree with.
 */
import { RanasError } from '../../src/errors.ts';
import type { IrNode, IrNodeOf, OpType } from '../../src/ir/types.ts';
import type { QuantizedGraph, QuantizedWeight } from '../quant-types.ts';
import { multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierRuy } from '../quantize/quantized-multiplier.ts';
import { INT_KERNELS, type IntKernelArgs } from './integer-kernels.ts';
import { ONNX_QDQ_RULES, tfliteRules, type RequantSemantics } from './requant-rules.ts';
import { runGraph } from './run-graph.ts';
import { inferShapes, sizeOf } from './shapes.ts';

function runIntNode<T extends OpType>(node: IrNodeOf<T>, args: IntKernelArgs): Int8Array {
  const kernel: (n: IrNodeOf<T>, a: IntKernelArgs) => Int8Array = INT_KERNELS[node.op];
  return kernel(node, args);
}

/** Options of the int8 executor. */
export interface IntegerForwardOptions {
  /** Return every computed tensor, not only the wanted ones. Default false. */
  keepAll?: boolean;
  /**
   * Final rescale of conv2d / dense: `ruy` (default) is what TFLite 2.9 runs (ties upward), `reference` is
   * TFLite's reference kernels (gemmlowp: ties away from zero in the final shift).
   */
  gemmRounding?: 'ruy' | 'reference';
  /**
   * Requantisation rules: `tflite` (default) is TFLite 2.9's fixed point, `onnx-qdq` ONNX QDQ's
   * round-half-to-even as onnxruntime computes it (see requant-rules.ts). `gemmRounding` applies to `tflite`.
   */
  semantics?: RequantSemantics;
}

/** Runs the int8 graph from fed int8 tensors (graph inputs or a segment's inputs), returning the wanted ones. */
export function integerForwardFeeds(
  q: QuantizedGraph, feeds: ReadonlyMap<string, Int8Array>, wanted: readonly string[], opts: IntegerForwardOptions = {},
): Map<string, Int8Array> {
  const rescaleGemm = (opts.gemmRounding ?? 'ruy') === 'ruy' ? multiplyByQuantizedMultiplierRuy : multiplyByQuantizedMultiplier;
  const rules = (opts.semantics ?? 'tflite') === 'tflite' ? tfliteRules(rescaleGemm) : ONNX_QDQ_RULES;
  const shapes = inferShapes(q.graph);
  for (const [name, data] of feeds) {
    const shape = shapes.get(name);
    if (!shape) throw new RanasError('E_CONVERT_TENSOR', `fed tensor ${name} is not a tensor of the graph`, { tensor: name });
    if (data.length !== sizeOf(shape)) {
      throw new RanasError('E_CONVERT_INPUT', `tensor ${name} has shape [${shape.join(', ')}] (${sizeOf(shape)} values) but ${data.length} values were given`, { tensor: name });
    }
  }
  const quantOf = (tensor: string, node: IrNode) => {
    const a = q.activations[tensor];
    if (!a) throw new RanasError('E_QUANT_MISSING', `node ${node.name} (${node.op}) reads or writes tensor ${tensor}, which has no quantisation`, { node: node.name, tensor });
    return a;
  };
  const weight = (name: string | undefined, node: IrNode): QuantizedWeight => {
    const w = name === undefined ? undefined : q.weights[name];
    if (!w) throw new RanasError('E_QUANT_MISSING', `node ${node.name} (${node.op}) needs quantised weight ${name ?? '(unnamed)'}, which the quantised graph does not hold`, { node: node.name, weight: name });
    return w;
  };
  const step = (node: IrNode, inputs: Int8Array[]): Int8Array => runIntNode(node, {
    inputs,
    inShapes: node.inputs.map((n) => shapes.get(n) as number[]),
    outShape: shapes.get(node.name) as number[],
    inQuant: node.inputs.map((t) => quantOf(t, node)),
    outQuant: quantOf(node.name, node),
    weight,
    rules,
  });
  return runGraph(q.graph, feeds, wanted, step, opts.keepAll ?? false);
}

/** Runs the int8 graph on one quantised input image (1×H×W×C) and returns the wanted tensors. */
export function integerForward(q: QuantizedGraph, inputQ: Int8Array, wanted: string[], opts: IntegerForwardOptions = {}): Map<string, Int8Array> {
  if (q.graph.inputs.length !== 1) {
    throw new RanasError('E_CONVERT_INPUT', `integerForward takes one input but graph ${q.graph.name} has ${q.graph.inputs.length}; use integerForwardFeeds`, {});
  }
  return integerForwardFeeds(q, new Map([[q.graph.inputs[0].name, inputQ]]), wanted, opts);
}
