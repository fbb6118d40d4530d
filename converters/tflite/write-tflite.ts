/**
 * `writeTflite`: a part of an IR graph (the whole graph or one exit segment) → TFLite flatbuffer bytes.
 * fp32 without `opts.quant`; full int8 with it (int8 activations, per-channel int8 conv/depthwise filters,
 * per-tensor int8 dense kernels, int32 biases). With `floatIo` an int8 model takes and gives float32
 * through QUANTIZE at every input and DEQUANTIZE at every output.
 *
 * Subgraph inputs/outputs follow `part.inputs` / `part.outputs` in order, carry the IR tensor names, and a
 * SignatureDef "serving_default" maps the same names, so multi-output order is unambiguous. Shapes gain a
 * batch dimension of 1. The input graph is after foldBatchNorm + fuseRelu.
 */
import { RanasError } from '../../src/errors.ts';
import type { IrNode, ModelGraph } from '../../src/ir/types.ts';
import type { QuantizedGraph, TensorQuant } from '../quant-types.ts';
import { encodeModel } from './encode-model.ts';
import { LABELS_FILE, labelsText, type ModelFacts } from '../describe/model-facts.ts';
import { encodeTfliteMetadata, TFLITE_METADATA_NAME } from '../describe/tflite-metadata.ts';
import { appendStoredZip } from '../describe/zip-store.ts';
import { TfliteGraphBuilder } from './graph-builder.ts';
import { lowerNode, type LoweringContext } from './lowerings.ts';
import type { QuantSpec, SignatureTensor } from './model-spec.ts';
import { opVersion, type OpPrecision } from './op-versions.ts';

/** Which nodes to write and which tensors cross the model boundary (a `Segment` fits as is). */
export interface TflitePart {
  nodes: string[];
  inputs: string[];
  outputs: string[];
}

/** Writer options. */
export interface TfliteWriteOptions {
  /** Quantisation of the graph: writes a full-int8 model. Omit for fp32. */
  quant?: QuantizedGraph;
  /** With `quant`: float32 inputs/outputs through QUANTIZE/DEQUANTIZE. Default false. */
  floatIo?: boolean;
  /** Model description; default the graph's name. */
  name?: string;
  /** Facts written as TFLite Metadata (and labels.txt packed as an associated file); omitted: none. */
  describe?: ModelFacts;
}

/** Suffix of the int8 tensor behind a float32 boundary tensor in `floatIo` models. */
export const INT8_SUFFIX = '_int8';

/**
 * Writes `part` of `graph` as a .tflite model. `shapes` gives every tensor's shape without batch (graph
 * inputs may be left out). Throws a RanasError naming the node for ops without a lowering (batchNorm,
 * mixedOp) and unsupported configurations.
 */
export function writeTflite(graph: ModelGraph, part: TflitePart, shapes: Map<string, number[]>, opts: TfliteWriteOptions = {}): Uint8Array {
  const quant = opts.quant;
  if (opts.floatIo && !quant) throw new RanasError('E_TFLITE_INPUT', 'floatIo needs opts.quant (it only applies to int8 models)');
  const precision: OpPrecision = quant ? 'int8' : 'fp32';
  const floatIo = Boolean(quant && opts.floatIo);
  const nodes = resolveNodes(graph, part);
  const shapeOf = shapeLookup(graph, shapes);
  const activationQuant = (name: string): TensorQuant => {
    const q = quant?.activations[name];
    if (!q) throw new RanasError('E_TFLITE_INPUT', `tensor '${name}' has no activation quantisation in the QuantizedGraph`, { tensor: name });
    return q;
  };
  const quantSpec = (name: string): QuantSpec | undefined => {
    if (!quant) return undefined;
    const q = activationQuant(name);
    return { scale: [q.scale], zeroPoint: [q.zeroPoint], quantizedDimension: 0 };
  };
  const activationType = quant ? 'INT8' : 'FLOAT32';
  const boundary = new Set([...part.inputs, ...part.outputs]);
  // In floatIo models the IR name belongs to the float32 boundary tensor; the int8 one gets a suffix.
  const b = new TfliteGraphBuilder();
  b.reserve([...part.inputs, ...nodes.map((n) => n.name)]);
  const int8Names = new Map<string, string>();
  for (const name of floatIo ? boundary : []) {
    const inner = b.uniqueName(name + INT8_SUFFIX);
    int8Names.set(name, inner);
    b.reserve([inner]);
  }
  const internalName = (name: string): string => int8Names.get(name) ?? name;
  const external = new Map<string, number>();
  for (const name of part.inputs) {
    const shape = [1, ...shapeOf(name)];
    const inner = b.addActivation(internalName(name), shape, activationType, quantSpec(name));
    if (floatIo) {
      const outer = b.addActivation(name, shape, 'FLOAT32');
      b.addOperator('QUANTIZE', opVersion('QUANTIZE', 'int8'), [outer], [inner], { kind: 'QuantizeOptions' });
      external.set(name, outer);
    } else {
      external.set(name, inner);
    }
  }

  const ctxFor = (node: IrNode, output: number): LoweringContext => ({
    precision,
    builder: b,
    weights: graph.weights,
    quant,
    output,
    input: (name) => {
      const idx = b.find(internalName(name));
      if (idx === undefined) throw new RanasError('E_TFLITE_INPUT', `node '${node.name}' reads '${name}', which is neither a part input nor computed earlier in the part`, { node: node.name, tensor: name });
      return idx;
    },
    shape: shapeOf,
    activationQuant,
  });
  for (const node of nodes) {
    const output = b.addActivation(internalName(node.name), [1, ...shapeOf(node.name)], activationType, quantSpec(node.name));
    lowerNode(node, ctxFor(node, output));
  }

  const inputSet = new Set(part.inputs);
  for (const name of part.outputs) {
    if (external.has(name)) continue; // a part input handed straight on
    const inner = b.find(internalName(name));
    if (inner === undefined) throw new RanasError('E_TFLITE_INPUT', `part output '${name}' is neither a part input nor computed by the part's nodes`, { tensor: name });
    if (floatIo && !inputSet.has(name)) {
      const outer = b.addActivation(name, b.tensorAt(inner).shape, 'FLOAT32');
      b.addOperator('DEQUANTIZE', opVersion('DEQUANTIZE', 'int8'), [inner], [outer], { kind: 'DequantizeOptions' });
      external.set(name, outer);
    } else {
      external.set(name, inner);
    }
  }
  const sig = (names: string[]): SignatureTensor[] => names.map((name) => ({ name, tensorIndex: external.get(name) ?? -1 }));
  const spec = b.toSpec({ description: opts.name ?? graph.name, subgraphName: 'main', inputs: sig(part.inputs), outputs: sig(part.outputs) });
  if (!opts.describe) return encodeModel(spec);
  const image = graph.inputs[0];
  const [height = 0, width = 0] = image?.shape ?? [];
  const metadata = encodeTfliteMetadata(opts.describe, { inputs: part.inputs, outputs: part.outputs, imageInput: { name: image?.name ?? '', height, width } });
  const model = encodeModel({ ...spec, metadata: [{ name: TFLITE_METADATA_NAME, data: metadata }] });
  return appendStoredZip(model, new Map([[LABELS_FILE, new TextEncoder().encode(labelsText(opts.describe.classNames))]]));
}

function resolveNodes(graph: ModelGraph, part: TflitePart): IrNode[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  if (part.outputs.length === 0) throw new RanasError('E_TFLITE_INPUT', 'part has no outputs; expected at least one tensor name');
  if (new Set(part.inputs).size !== part.inputs.length || new Set(part.outputs).size !== part.outputs.length) {
    throw new RanasError('E_TFLITE_INPUT', `part inputs/outputs repeat a name: inputs [${part.inputs}], outputs [${part.outputs}]`);
  }
  return part.nodes.map((name) => {
    const node = byName.get(name);
    if (!node) throw new RanasError('E_TFLITE_INPUT', `part names node '${name}', which is not in graph '${graph.name}'`, { node: name });
    return node;
  });
}

function shapeLookup(graph: ModelGraph, shapes: Map<string, number[]>): (name: string) => number[] {
  const inputShapes = new Map(graph.inputs.map((i) => [i.name, i.shape]));
  return (name) => {
    const s = shapes.get(name) ?? inputShapes.get(name);
    if (!s) throw new RanasError('E_TFLITE_INPUT', `no shape for tensor '${name}' in the shape map`, { tensor: name });
    return s;
  };
}
