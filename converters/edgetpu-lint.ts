/**
 * Edge TPU lint: checks an int8 graph against the constraints the Edge TPU compiler enforces and lists
 * every violation with the node (or tensor) it concerns. Rules (Coral "TensorFlow models on the Edge TPU"):
 * all tensors 8-bit (int32 biases allowed), static shapes, batch 1, at most 3 non-unit dimensions per
 * activation tensor, supported ops only, no fused activation on pooling or concatenation, and equal x/y
 * dilation on convolutions.
 */
import type { IrNode, OpType } from '../src/ir/types.ts';
import type { QuantizedGraph } from './quant-types.ts';

/** The rules, by id. */
export type EdgeTpuRule =
  | 'int8-tensors'
  | 'static-shape'
  | 'batch-one'
  | 'max-3-non-unit-dims'
  | 'supported-op'
  | 'no-fused-activation'
  | 'equal-dilation';

/** One violation. */
export interface EdgeTpuViolation {
  rule: EdgeTpuRule;
  /** Node (or graph input) name. */
  node: string;
  message: string;
}

/** Whether the Edge TPU runs each IR op once lowered (batchNorm must be folded; mixedOp is search-only). */
const EDGETPU_SUPPORTED: Record<OpType, boolean> = {
  conv2d: true,
  depthwiseConv2d: true,
  batchNorm: false,
  relu: true,
  add: true,
  concat: true,
  maxPool: true,
  avgPool: true,
  globalAvgPool: true,
  dense: true,
  mixedOp: false,
};

/** Ops on which the Edge TPU refuses a fused activation. */
const NO_FUSED_ACTIVATION: ReadonlySet<OpType> = new Set<OpType>(['maxPool', 'avgPool', 'concat', 'globalAvgPool']);

function fusedActivation(node: IrNode): string {
  const attrs: object = node.attrs;
  if ('activation' in attrs && typeof attrs.activation === 'string') return attrs.activation;
  return 'none';
}

/** Checks one activation tensor's quantisation and shape. */
function checkTensor(q: QuantizedGraph, shapes: Map<string, number[]>, tensor: string, out: EdgeTpuViolation[]): void {
  const p = q.activations[tensor];
  if (!p) out.push({ rule: 'int8-tensors', node: tensor, message: `tensor ${tensor} has no int8 quantisation (it would stay float)` });
  else if (!(p.scale > 0) || !Number.isInteger(p.zeroPoint) || p.zeroPoint < -128 || p.zeroPoint > 127) {
    out.push({ rule: 'int8-tensors', node: tensor, message: `tensor ${tensor} has scale ${p.scale} and zero point ${p.zeroPoint}; expected scale > 0 and an int8 zero point` });
  }
  const shape = shapes.get(tensor);
  if (!shape || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    out.push({ rule: 'static-shape', node: tensor, message: `tensor ${tensor} has shape [${shape?.join(', ') ?? 'unknown'}]; expected static positive dimensions` });
    return;
  }
  const nonUnit = shape.filter((d) => d !== 1).length;
  if (nonUnit > 3) {
    out.push({ rule: 'max-3-non-unit-dims', node: tensor, message: `tensor ${tensor} has shape [${shape.join(', ')}] with ${nonUnit} non-unit dimensions; the Edge TPU allows at most 3` });
  }
}

/**
 * Lists every Edge TPU violation of `q`. `shapes` are the IR shapes (no batch) of every tensor; a graph
 * input given with 4 dimensions is read as [N, H, W, C] and must have N = 1.
 */
export function lintEdgeTpu(q: QuantizedGraph, shapes: Map<string, number[]>): EdgeTpuViolation[] {
  const out: EdgeTpuViolation[] = [];
  for (const input of q.graph.inputs) {
    if (input.shape.length === 4 && input.shape[0] !== 1) {
      out.push({ rule: 'batch-one', node: input.name, message: `graph input ${input.name} has batch ${input.shape[0]}; the Edge TPU runs batch 1` });
    }
    checkTensor(q, shapes, input.name, out);
  }
  for (const node of q.graph.nodes) {
    if (!EDGETPU_SUPPORTED[node.op]) {
      out.push({ rule: 'supported-op', node: node.name, message: `node ${node.name}: op ${node.op} does not run on the Edge TPU` });
    }
    const activation = fusedActivation(node);
    if (NO_FUSED_ACTIVATION.has(node.op) && activation !== 'none') {
      out.push({ rule: 'no-fused-activation', node: node.name, message: `node ${node.name} (${node.op}) has fused activation ${activation}; the Edge TPU allows none on pooling or concatenation` });
    }
    if ((node.op === 'conv2d' || node.op === 'depthwiseConv2d') && node.attrs.dilation[0] !== node.attrs.dilation[1]) {
      out.push({ rule: 'equal-dilation', node: node.name, message: `node ${node.name} (${node.op}) has dilation [${node.attrs.dilation.join(', ')}]; the Edge TPU needs equal x/y dilation` });
    }
    for (const [role, weightName] of Object.entries(node.weights)) {
      if (weightName === undefined) continue;
      const w = q.weights[weightName];
      const isBias = role === 'bias';
      const ok = w !== undefined && (w.values instanceof Int8Array || (isBias && w.values instanceof Int32Array));
      if (!ok) {
        out.push({ rule: 'int8-tensors', node: node.name, message: `node ${node.name}: weight ${weightName} (${role}) is ${w ? w.values.constructor.name : 'not quantised'}; expected int8${isBias ? ' or int32' : ''}` });
      }
    }
    checkTensor(q, shapes, node.name, out);
  }
  return out;
}
