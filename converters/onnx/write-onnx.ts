/**
 * ONNX writer: a graph part (the whole graph or one exit segment) → ONNX bytes (IR version 8, opset 13).
 *
 * Layout: NCHW inside and at the boundary, batch 1 (see `layout.ts`): a [H, W, C] IR tensor is
 * [1, C, H, W] in the file, a [C] vector is [1, C].
 *
 * Precision:
 *  - fp32: float inputs, outputs and weights.
 *  - QDQ int8 (`opts.quant`): every IR tensor is float-computed then passed through QuantizeLinear →
 *    DequantizeLinear with its per-tensor scale/zero point; weights are int8 initializers with a per-axis
 *    (axis 0 = output channel) DequantizeLinear, biases int32 with scale s_in·s_w. Inputs and outputs are
 *    int8 (the quantised tensor itself, like a full-int8 TFLite model), so chained segments hand over
 *    exactly the int8 values the monolithic model computes; `floatIo` makes them float instead.
 *    A fused ReLU is left out when its output's zero point is -128 (QuantizeLinear's saturation is the
 *    ReLU), and average pooling runs on centred integers (see `averageOnGrid` in onnx-lowerings.ts).
 *    onnxruntime's integer results follow ONNX QDQ rounding (ties to even), which the integer reference
 *    reproduces with `semantics: 'onnx-qdq'`.
 *    Inside the graph activations are uint8 (q + 128, zero point + 128, same scale: the same real values
 *    exactly), int8 only at the boundary. onnxruntime on x86 runs QDQ convolutions as u8 activations x s8
 *    weights: it rewrites int8 Q→DQ pairs to uint8 itself, but not a DequantizeLinear on a graph input nor a
 *    QuantizeLinear whose value leaves the graph, and a conv whose input and output types then differ is
 *    left in float (25 of 84 convs of the tiny model). Written in uint8 with one int8↔uint8 step at each
 *    boundary tensor, every conv fuses (see ort-optimized.ts and its test).
 *
 * Names: inputs and outputs carry their IR tensor names; internal values and initializers get short
 * generated names (base-36 counters) to keep a QDQ file's per-node overhead small next to int8 weights.
 */
import { RanasError } from '../../src/errors.ts';
import type { IrNode, ModelGraph } from '../../src/ir/types.ts';
import type { QuantizedGraph, QuantizedWeight, TensorQuant } from '../quant-types.ts';
import { onnxDims, permute } from './layout.ts';
import { lowerNode, WEIGHT_PERM, type LowerContext, type WeightLayout } from './onnx-lowerings.ts';
import {
  attrInt,
  encodeModel,
  initializer,
  valueInfo,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
} from './onnx-proto.ts';

/** ONNX IR version and default-domain opset of every written model. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 13;

/** What to write: nodes in topological order, the tensors they read from outside, the tensors to expose. */
export interface GraphPart {
  nodes: string[];
  inputs: string[];
  outputs: string[];
}

export interface OnnxWriteOptions {
  /** Write QDQ int8 with these quantisation parameters (else fp32). */
  quant?: QuantizedGraph;
  /** QDQ only: float inputs/outputs instead of int8. Default false. */
  floatIo?: boolean;
  /** Graph name. Default the model name. */
  name?: string;
}

/** Value names of one tensor in the written model. */
interface TensorNames {
  /** Where the lowering writes the float result. */
  produced: string;
  /** The int8 value (QDQ only). */
  int8: string;
  /** The float value consumers read. */
  read: string;
}

/** Writes `part` of `graph` as an ONNX model. `shapes` maps every tensor to its IR shape (NHWC, no batch). */
export function writeOnnx(
  graph: ModelGraph,
  part: GraphPart,
  shapes: Map<string, number[]>,
  opts: OnnxWriteOptions = {},
): Uint8Array {
  const quant = opts.quant;
  const floatIo = opts.floatIo ?? false;
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const isInput = new Set(part.inputs);
  const isOutput = new Set(part.outputs);

  // Boundary tensors keep their IR names; every internal value gets a short generated name, which keeps
  // the per-node overhead (a QDQ model has three nodes per tensor) small next to int8 weights.
  const shortNames = new Map<string, string>();
  let nextShort = 0;
  const short = (key: string): string => {
    let n = shortNames.get(key);
    if (n === undefined) {
      do n = (nextShort++).toString(36);
      while (isInput.has(n) || isOutput.has(n));
      shortNames.set(key, n);
    }
    return n;
  };
  const names = (t: string): TensorNames => {
    const boundary = isInput.has(t) || isOutput.has(t);
    if (!quant) {
      const n = boundary ? t : short(t);
      return { produced: n, int8: n, read: n };
    }
    return {
      produced: short(`${t}#f`),
      int8: short(`${t}#q`),
      read: floatIo && isOutput.has(t) ? t : short(`${t}#dq`),
    };
  };
  const shapeOf = (t: string): number[] => {
    const s = shapes.get(t);
    if (!s) throw new RanasError('E_ONNX_SHAPE', `no shape for tensor ${t}`, { tensor: t });
    return s;
  };

  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const initialized = new Set<string>();
  const emit = (opType: string, input: string[], output: string[], attribute: AttributeProto[] = []) => {
    nodes.push({ opType, input, output, attribute });
  };
  const addInit = (t: TensorProto) => {
    if (!t.name || initialized.has(t.name)) return;
    initialized.add(t.name);
    initializers.push(t);
  };

  const activation = (tensor: string): TensorQuant => {
    const p = quant?.activations[tensor];
    if (!p) throw new RanasError('E_ONNX_QUANT', `tensor ${tensor} has no activation quantisation`, { tensor });
    return p;
  };
  // Scale and zero-point initializers, one pair per distinct value: tensors with equal parameters (concat
  // and pooling share them) share the initializers.
  // `elem` uint8 stores q + 128 against zero point + 128 (the graph's inside); int8 is the boundary's.
  const quantParams = (p: TensorQuant, elem: 'int8' | 'uint8' = 'uint8'): [string, string] => {
    const qp: [string, string] = [short(`scale:${p.scale}`), short(`zero:${elem}:${p.zeroPoint}`)];
    addInit(initializer(qp[0], 'float32', [], Float32Array.of(p.scale)));
    addInit(elem === 'int8' ? initializer(qp[1], 'int8', [], Int8Array.of(p.zeroPoint)) : initializer(qp[1], 'uint8', [], Uint8Array.of(p.zeroPoint + 128)));
    return qp;
  };

  // Quantise + dequantise an activation through its per-tensor parameters (uint8 inside the graph).
  const qdq = (tensor: string, from: string, int8: string, read: string, quantise: boolean) => {
    if (!quant) return;
    const qp = quantParams(activation(tensor));
    if (quantise) emit('QuantizeLinear', [from, ...qp], [int8]);
    emit('DequantizeLinear', [int8, ...qp], [read]);
  };

  const weight = (weightName: string, layout: WeightLayout): string => {
    const w = graph.weights[weightName];
    if (!w) throw new RanasError('E_ONNX_WEIGHT', `weight ${weightName} is missing from the graph`, { weight: weightName });
    const perm = WEIGHT_PERM[layout];
    if (perm.length !== w.shape.length) {
      throw new RanasError('E_ONNX_WEIGHT', `weight ${weightName} has shape [${w.shape.join(', ')}], expected rank ${perm.length} for layout ${layout}`, { weight: weightName });
    }
    const dims = perm.map((p) => w.shape[p]);
    if (!quant) {
      const name = short(`w:${weightName}`);
      addInit(initializer(name, 'float32', dims, permute(w.data, w.shape, perm)));
      return name;
    }
    const qw = quant.weights[weightName];
    if (!qw) throw new RanasError('E_ONNX_QUANT', `weight ${weightName} has no quantised values`, { weight: weightName });
    return dequantisedWeight(weightName, qw, w.shape, perm, dims);
  };

  const dequantisedWeight = (weightName: string, qw: QuantizedWeight, irShape: number[], perm: number[], dims: number[]): string => {
    const isBias = qw.values instanceof Int32Array;
    const elem = isBias ? 'int32' : 'int8';
    const values = permute(qw.values, irShape, perm);
    const perAxis = qw.scales.length > 1;
    if (perAxis && qw.scales.length !== dims[0]) {
      throw new RanasError('E_ONNX_QUANT', `weight ${weightName} has ${qw.scales.length} scales, expected 1 or ${dims[0]} (output channels)`, { weight: weightName });
    }
    const qdims = perAxis ? [qw.scales.length] : [];
    const [vName, sName, out] = ['q', 's', 'dq'].map((s) => short(`w:${weightName}#${s}`));
    addInit(initializer(vName, elem, dims, values));
    addInit(initializer(sName, 'float32', qdims, Float32Array.from(qw.scales)));
    // Weights and biases are symmetric: the zero point input is left out (ONNX default: 0 of x's type).
    emit('DequantizeLinear', [vName, sName], [out], perAxis ? [attrInt('axis', 0)] : []);
    return out;
  };

  // Graph inputs.
  const boundaryElem = quant && !floatIo ? 'int8' : 'float32';
  const inputs = part.inputs.map((t) => valueInfo(t, boundaryElem, onnxDims(shapeOf(t))));
  for (const t of part.inputs) {
    const n = names(t);
    if (quant && !floatIo) {
      // int8 boundary value → its real value → the uint8 value inside (exact: same scale, zero point + 128).
      const real = short(`${t}#in`);
      emit('DequantizeLinear', [t, ...quantParams(activation(t), 'int8')], [real]);
      qdq(t, real, n.int8, n.read, true);
    } else qdq(t, t, n.int8, n.read, floatIo);
  }

  // Nodes.
  const available = new Set(part.inputs);
  for (const nodeName of part.nodes) {
    const node = byName.get(nodeName);
    if (!node) throw new RanasError('E_ONNX_PART', `part names node ${nodeName}, which is not in graph ${graph.name}`, { node: nodeName });
    for (const t of node.inputs) {
      if (!available.has(t)) {
        throw new RanasError('E_ONNX_PART', `node ${node.name} reads ${t}, which is neither a part input nor computed earlier in the part`, { node: node.name, tensor: t });
      }
    }
    const ctx: LowerContext = {
      input: (i) => names(node.inputs[i]).read,
      output: names(node.name).produced,
      shape: shapeOf,
      temp: (suffix) => short(`${node.name}#${suffix}`),
      outputClampsAtZero: quant !== undefined && activation(node.name).zeroPoint === -128,
      emit,
      weight,
      averageOnGrid: (opType, attrs, out) => {
        const source = node.inputs[0];
        if (!quant) {
          emit(opType, [names(source).read], [out], attrs);
          return;
        }
        const [one, zero] = quantParams({ scale: 1, zeroPoint: activation(source).zeroPoint });
        const [centred, mean, onGrid] = ['centred', 'mean', 'grid'].map((s) => short(`${node.name}#${s}`));
        emit('DequantizeLinear', [names(source).int8, one, zero], [centred]);
        emit(opType, [centred], [mean], attrs);
        emit('QuantizeLinear', [mean, one, zero], [onGrid]);
        emit('DequantizeLinear', [onGrid, ...quantParams(activation(source))], [out]);
      },
    };
    lowerNode<IrNode['op']>(node, ctx);
    const n = names(node.name);
    qdq(node.name, n.produced, n.int8, n.read, true);
    available.add(node.name);
  }

  // Graph outputs.
  const outputs = part.outputs.map((t) => {
    if (!available.has(t) || isInput.has(t)) {
      throw new RanasError('E_ONNX_PART', `part output ${t} is not computed by the part's nodes`, { tensor: t });
    }
    const n = names(t);
    // The uint8 value inside → int8 at the boundary, exactly (same scale, zero point − 128).
    if (quant && !floatIo) emit('QuantizeLinear', [n.read, ...quantParams(activation(t), 'int8')], [t]);
    return valueInfo(quant && !floatIo ? t : n.read, boundaryElem, onnxDims(shapeOf(t)));
  });

  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'ranas',
    docString: `${graph.name}: NCHW, batch 1, ${quant ? (floatIo ? 'QDQ int8, float I/O' : 'QDQ int8, int8 I/O') : 'fp32'}`,
    metadataProps: [
      { key: 'layout', value: 'NCHW' },
      { key: 'precision', value: quant ? 'int8' : 'fp32' },
    ],
    graph: { name: opts.name ?? graph.name, node: nodes, initializer: initializers, input: inputs, output: outputs },
  });
}
