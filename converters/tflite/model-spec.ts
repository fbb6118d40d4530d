/**
 * A TFLite model as plain data (one subgraph), what the lowerings build and `encodeModel` serialises.
 * Indices follow the flatbuffer: tensors index `buffers`, operators index `operatorCodes` and `tensors`.
 */
import type { BuiltinOpName, TensorTypeName } from './schema-subset.ts';

/** Affine quantisation of a tensor: real = scale * (q - zeroPoint), per channel along `quantizedDimension`. */
export interface QuantSpec {
  scale: number[];
  zeroPoint: number[];
  /** Axis of the per-channel parameters (0 when per-tensor). */
  quantizedDimension: number;
}

/** One tensor of the subgraph. */
export interface TensorSpec {
  name: string;
  /** Full shape including the batch dimension. */
  shape: number[];
  type: TensorTypeName;
  /** Index into `ModelSpec.buffers`; 0 (the empty sentinel) for activations. */
  buffer: number;
  quant?: QuantSpec;
}

/** Builtin options of an operator (a tagged union mirroring the schema's `BuiltinOptions`). */
export type OptionsSpec =
  | { kind: 'Conv2DOptions'; padding: 'SAME' | 'VALID'; strideW: number; strideH: number; activation: 'NONE' | 'RELU'; dilationW: number; dilationH: number }
  | {
      kind: 'DepthwiseConv2DOptions';
      padding: 'SAME' | 'VALID';
      strideW: number;
      strideH: number;
      depthMultiplier: number;
      activation: 'NONE' | 'RELU';
      dilationW: number;
      dilationH: number;
    }
  | { kind: 'Pool2DOptions'; padding: 'SAME' | 'VALID'; strideW: number; strideH: number; filterW: number; filterH: number; activation: 'NONE' | 'RELU' }
  | { kind: 'FullyConnectedOptions'; activation: 'NONE' | 'RELU' }
  | { kind: 'SoftmaxOptions'; beta: number }
  | { kind: 'ConcatenationOptions'; axis: number; activation: 'NONE' | 'RELU' }
  | { kind: 'AddOptions'; activation: 'NONE' | 'RELU' }
  | { kind: 'ReshapeOptions'; newShape: number[] }
  | { kind: 'ReducerOptions'; keepDims: boolean }
  | { kind: 'PadOptions' }
  | { kind: 'QuantizeOptions' }
  | { kind: 'DequantizeOptions' };

/** One operator, in execution order. */
export interface OperatorSpec {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  options?: OptionsSpec;
}

/** An entry of `Model.operator_codes`. */
export interface OperatorCodeSpec {
  op: BuiltinOpName;
  version: number;
}

/** A name → tensor entry of the signature. */
export interface SignatureTensor {
  name: string;
  tensorIndex: number;
}

/** A whole single-subgraph model. */
export interface ModelSpec {
  description: string;
  subgraphName: string;
  operatorCodes: OperatorCodeSpec[];
  tensors: TensorSpec[];
  operators: OperatorSpec[];
  inputs: number[];
  outputs: number[];
  /** Raw little-endian buffer contents; index 0 must be the empty sentinel. */
  buffers: Uint8Array[];
  signature: { key: string; inputs: SignatureTensor[]; outputs: SignatureTensor[] };
  /** Model.metadata entries (e.g. TFLITE_METADATA), each stored in a buffer appended after `buffers`. */
  metadata?: { name: string; data: Uint8Array }[];
}
