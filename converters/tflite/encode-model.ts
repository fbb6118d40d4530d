/**
 * Serialises a `ModelSpec` into TFLite flatbuffer bytes with the `flatbuffers` package's Builder, field
 * by field from the ids in `schema-subset.ts`. Flatbuffers are built back to front, so children (buffers,
 * tensors, operators) are created before the tables that point at them.
 *
 * A flatbuffer may reference one object from any number of tables, so objects with equal contents are
 * written once: int32 vectors (tensor shapes, operator inputs/outputs), builtin-options tables and
 * quantisation tables and vectors. Readers see the same values; the file only loses the copies.
 */
import { Builder } from 'flatbuffers';
import { float32Vector, int32Vector, offsetVector } from '../flatbuffer-vectors.ts';
import type { ModelSpec, OperatorSpec, OptionsSpec, QuantSpec, SignatureTensor, TensorSpec } from './model-spec.ts';
import {
  ACTIVATION,
  BUFFER_ALIGN_BYTES,
  BUILTIN_OPERATOR,
  BUILTIN_OPTIONS_TYPE,
  FIELD,
  PADDING,
  TENSOR_TYPE,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from './schema-subset.ts';

type Offset = number;

/** Encodes the model; the returned bytes own their ArrayBuffer (byteOffset 0, so alignment holds in memory). */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const payloadBytes = spec.buffers.reduce((n, b) => n + b.length + BUFFER_ALIGN_BYTES, 0);
  const b = new Builder(payloadBytes + 64 * 1024);

  const metadataEntries = spec.metadata ?? [];
  const buffers = [...spec.buffers, ...metadataEntries.map((m) => m.data)].map((data) => buffer(b, data));
  const shared = new SharedQuant(b);
  const ints = new Interned<readonly number[]>((v) => v.join(','), (v) => int32Vector(b, v));
  const options = new Interned<OptionsSpec>(optionsKey, (o) => builtinOptions(b, o, ints));
  const tensors = spec.tensors.map((t) => tensor(b, t, shared, ints));
  const operators = spec.operators.map((op) => operator(b, op, ints, options));
  const subgraphName = b.createString(spec.subgraphName);
  const tensorsVec = offsetVector(b, tensors);
  const inputsVec = ints.get(spec.inputs);
  const outputsVec = ints.get(spec.outputs);
  const operatorsVec = offsetVector(b, operators);
  const S = FIELD.SubGraph;
  b.startObject(S.count);
  b.addFieldOffset(S.tensors, tensorsVec, 0);
  b.addFieldOffset(S.inputs, inputsVec, 0);
  b.addFieldOffset(S.outputs, outputsVec, 0);
  b.addFieldOffset(S.operators, operatorsVec, 0);
  b.addFieldOffset(S.name, subgraphName, 0);
  const subgraph = b.endObject();

  const opcodes = spec.operatorCodes.map((c) => {
    const O = FIELD.OperatorCode;
    const code = BUILTIN_OPERATOR[c.op];
    b.startObject(O.count);
    // Readers take max(deprecated_builtin_code, builtin_code); codes < 127 go in both.
    b.addFieldInt8(O.deprecated_builtin_code, Math.min(code, 127), 0);
    b.addFieldInt32(O.version, c.version, 1);
    b.addFieldInt32(O.builtin_code, code, 0);
    return b.endObject();
  });
  const signature = signatureDef(b, spec.signature);
  const description = b.createString(spec.description);
  const opcodesVec = offsetVector(b, opcodes);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const buffersVec = offsetVector(b, buffers);
  const signaturesVec = offsetVector(b, [signature]);
  // Metadata tables (schema.fbs: name:string = field 0, buffer:uint = field 1).
  const metadata = metadataEntries.map((m, i) => {
    const name = b.createString(m.name);
    b.startObject(2);
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, spec.buffers.length + i, 0);
    return b.endObject();
  });
  const metadataVec = metadata.length > 0 ? offsetVector(b, metadata) : 0;
  const M = FIELD.Model;
  b.startObject(M.count);
  b.addFieldInt32(M.version, TFLITE_SCHEMA_VERSION, 0);
  b.addFieldOffset(M.operator_codes, opcodesVec, 0);
  b.addFieldOffset(M.subgraphs, subgraphsVec, 0);
  b.addFieldOffset(M.description, description, 0);
  b.addFieldOffset(M.buffers, buffersVec, 0);
  b.addFieldOffset(M.signature_defs, signaturesVec, 0);
  if (metadataVec !== 0) b.addFieldOffset(M.metadata, metadataVec, 0);
  const model = b.endObject();
  b.finish(model, TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

function buffer(b: Builder, data: Uint8Array): Offset {
  let dataVec: Offset = 0;
  if (data.length > 0) {
    // Pad so the bytes start on a 16-byte boundary (the schema's force_align: 16); the vector's own
    // 4-byte alignment then adds nothing.
    b.prep(BUFFER_ALIGN_BYTES, data.length);
    dataVec = b.createByteVector(data);
  }
  b.startObject(FIELD.Buffer.count);
  if (dataVec !== 0) b.addFieldOffset(FIELD.Buffer.data, dataVec, 0);
  return b.endObject();
}

/** Objects written once per distinct content (`key`), then referenced wherever they recur. */
class Interned<T> {
  private readonly offsets = new Map<string, Offset>();

  constructor(private readonly key: (value: T) => string, private readonly write: (value: T) => Offset) {}

  get(value: T): Offset {
    const k = this.key(value);
    let offset = this.offsets.get(k);
    if (offset === undefined) {
      offset = this.write(value);
      this.offsets.set(k, offset);
    }
    return offset;
  }
}

/** Content key of an options table: its kind and every field in a fixed order. */
function optionsKey(o: OptionsSpec): string {
  return JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function tensor(b: Builder, t: TensorSpec, shared: SharedQuant, ints: Interned<readonly number[]>): Offset {
  const shape = ints.get(t.shape);
  const name = b.createString(t.name);
  const quant = t.quant ? shared.table(t.quant) : 0;
  const T = FIELD.Tensor;
  b.startObject(T.count);
  b.addFieldOffset(T.shape, shape, 0);
  b.addFieldInt8(T.type, TENSOR_TYPE[t.type], -1); // -1: always written, FLOAT32 (0) included
  b.addFieldInt32(T.buffer, t.buffer, 0);
  b.addFieldOffset(T.name, name, 0);
  if (quant !== 0) b.addFieldOffset(T.quantization, quant, 0);
  return b.endObject();
}

/**
 * Quantisation tables, written once per distinct content: tensors sharing parameters (a concat group)
 * point at one table, and every filter and bias with C channels shares one zero-point vector (int64 zeros;
 * 8 bytes per channel otherwise). Flatbuffers allow any number of references to one object.
 */
class SharedQuant {
  private readonly tables = new Map<string, Offset>();
  private readonly zeroPoints = new Map<string, Offset>();

  constructor(private readonly b: Builder) {}

  table(q: QuantSpec): Offset {
    const key = `${q.quantizedDimension}|${q.scale.map((v) => Math.fround(v)).join(',')}|${q.zeroPoint.join(',')}`;
    const found = this.tables.get(key);
    if (found !== undefined) return found;
    const b = this.b;
    const scale = float32Vector(b, q.scale);
    const zeroPoint = this.zeroPointVector(q.zeroPoint);
    const Q = FIELD.QuantizationParameters;
    b.startObject(Q.count);
    b.addFieldOffset(Q.scale, scale, 0);
    b.addFieldOffset(Q.zero_point, zeroPoint, 0);
    b.addFieldInt32(Q.quantized_dimension, q.quantizedDimension, 0);
    const offset = b.endObject();
    this.tables.set(key, offset);
    return offset;
  }

  private zeroPointVector(values: number[]): Offset {
    const key = values.join(',');
    const found = this.zeroPoints.get(key);
    if (found !== undefined) return found;
    const b = this.b;
    b.startVector(8, values.length, 8);
    for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]));
    const offset = b.endVector();
    this.zeroPoints.set(key, offset);
    return offset;
  }
}

function operator(b: Builder, op: OperatorSpec, ints: Interned<readonly number[]>, options: Interned<OptionsSpec>): Offset {
  const inputs = ints.get(op.inputs);
  const outputs = ints.get(op.outputs);
  const optionsTable = op.options ? options.get(op.options) : 0;
  const O = FIELD.Operator;
  b.startObject(O.count);
  b.addFieldInt32(O.opcode_index, op.opcodeIndex, 0);
  b.addFieldOffset(O.inputs, inputs, 0);
  b.addFieldOffset(O.outputs, outputs, 0);
  if (op.options) {
    b.addFieldInt8(O.builtin_options_type, BUILTIN_OPTIONS_TYPE[op.options.kind], 0);
    b.addFieldOffset(O.builtin_options, optionsTable, 0);
  }
  return b.endObject();
}

/** Writes one options table; every scalar is written explicitly (no reliance on schema defaults). */
function builtinOptions(b: Builder, o: OptionsSpec, ints: Interned<readonly number[]>): Offset {
  switch (o.kind) {
    case 'Conv2DOptions': {
      const F = FIELD.Conv2DOptions;
      b.startObject(F.count);
      b.addFieldInt8(F.padding, PADDING[o.padding], -1);
      b.addFieldInt32(F.stride_w, o.strideW, -1);
      b.addFieldInt32(F.stride_h, o.strideH, -1);
      b.addFieldInt8(F.fused_activation_function, ACTIVATION[o.activation], -1);
      b.addFieldInt32(F.dilation_w_factor, o.dilationW, -1);
      b.addFieldInt32(F.dilation_h_factor, o.dilationH, -1);
      return b.endObject();
    }
    case 'DepthwiseConv2DOptions': {
      const F = FIELD.DepthwiseConv2DOptions;
      b.startObject(F.count);
      b.addFieldInt8(F.padding, PADDING[o.padding], -1);
      b.addFieldInt32(F.stride_w, o.strideW, -1);
      b.addFieldInt32(F.stride_h, o.strideH, -1);
      b.addFieldInt32(F.depth_multiplier, o.depthMultiplier, -1);
      b.addFieldInt8(F.fused_activation_function, ACTIVATION[o.activation], -1);
      b.addFieldInt32(F.dilation_w_factor, o.dilationW, -1);
      b.addFieldInt32(F.dilation_h_factor, o.dilationH, -1);
      return b.endObject();
    }
    case 'Pool2DOptions': {
      const F = FIELD.Pool2DOptions;
      b.startObject(F.count);
      b.addFieldInt8(F.padding, PADDING[o.padding], -1);
      b.addFieldInt32(F.stride_w, o.strideW, -1);
      b.addFieldInt32(F.stride_h, o.strideH, -1);
      b.addFieldInt32(F.filter_width, o.filterW, -1);
      b.addFieldInt32(F.filter_height, o.filterH, -1);
      b.addFieldInt8(F.fused_activation_function, ACTIVATION[o.activation], -1);
      return b.endObject();
    }
    case 'FullyConnectedOptions': {
      const F = FIELD.FullyConnectedOptions;
      b.startObject(F.count);
      b.addFieldInt8(F.fused_activation_function, ACTIVATION[o.activation], -1);
      return b.endObject();
    }
    case 'SoftmaxOptions': {
      b.startObject(FIELD.SoftmaxOptions.count);
      b.addFieldFloat32(FIELD.SoftmaxOptions.beta, o.beta, null);
      return b.endObject();
    }
    case 'ConcatenationOptions': {
      const F = FIELD.ConcatenationOptions;
      b.startObject(F.count);
      b.addFieldInt32(F.axis, o.axis, null);
      b.addFieldInt8(F.fused_activation_function, ACTIVATION[o.activation], -1);
      return b.endObject();
    }
    case 'AddOptions': {
      b.startObject(FIELD.AddOptions.count);
      b.addFieldInt8(FIELD.AddOptions.fused_activation_function, ACTIVATION[o.activation], -1);
      return b.endObject();
    }
    case 'ReshapeOptions': {
      const newShape = ints.get(o.newShape);
      b.startObject(FIELD.ReshapeOptions.count);
      b.addFieldOffset(FIELD.ReshapeOptions.new_shape, newShape, 0);
      return b.endObject();
    }
    case 'ReducerOptions': {
      b.startObject(FIELD.ReducerOptions.count);
      b.addFieldInt8(FIELD.ReducerOptions.keep_dims, o.keepDims ? 1 : 0, -1);
      return b.endObject();
    }
    case 'PadOptions':
    case 'QuantizeOptions':
    case 'DequantizeOptions':
      b.startObject(0);
      return b.endObject();
  }
}

function signatureDef(b: Builder, sig: ModelSpec['signature']): Offset {
  const inputs = offsetVector(b, sig.inputs.map((t) => tensorMap(b, t)));
  const outputs = offsetVector(b, sig.outputs.map((t) => tensorMap(b, t)));
  const key = b.createString(sig.key);
  const F = FIELD.SignatureDef;
  b.startObject(F.count);
  b.addFieldOffset(F.inputs, inputs, 0);
  b.addFieldOffset(F.outputs, outputs, 0);
  b.addFieldOffset(F.signature_key, key, 0);
  b.addFieldInt32(F.subgraph_index, 0, -1);
  return b.endObject();
}

function tensorMap(b: Builder, t: SignatureTensor): Offset {
  const name = b.createString(t.name);
  b.startObject(FIELD.TensorMap.count);
  b.addFieldOffset(FIELD.TensorMap.name, name, 0);
  b.addFieldInt32(FIELD.TensorMap.tensor_index, t.tensorIndex, -1);
  return b.endObject();
}
