/**
 * A small reader of the same schema subset, for inspecting written files (tests, reports): operator codes
 * and versions, tensors with quantisation, buffers with their byte offsets, subgraph I/O and the
 * signature. Reads by the field ids of `schema-subset.ts`; refuses files without the "TFL3" identifier.
 */
import { ByteBuffer } from 'flatbuffers';
import { RanasError } from '../../src/errors.ts';
import { BUILTIN_OPERATOR, FIELD, TENSOR_TYPE, TFLITE_FILE_IDENTIFIER, type BuiltinOpName, type TensorTypeName } from './schema-subset.ts';

/** What `readTflite` returns. */
export interface TfliteSummary {
  version: number;
  description: string;
  operatorCodes: { op: BuiltinOpName | number; version: number }[];
  /** Operators in order: builtin name, input and output tensor indices. */
  operators: { op: BuiltinOpName | number; inputs: number[]; outputs: number[] }[];
  tensors: { name: string; shape: number[]; type: TensorTypeName | number; buffer: number; scale: number[]; zeroPoint: number[]; quantizedDimension: number }[];
  /** Byte offset of each buffer's data in the file (-1 when empty) and its length. */
  buffers: { offset: number; length: number }[];
  inputs: number[];
  outputs: number[];
  signatures: { key: string; inputs: { name: string; tensorIndex: number }[]; outputs: { name: string; tensorIndex: number }[] }[];
}

const OP_BY_CODE = new Map<number, BuiltinOpName>(Object.entries(BUILTIN_OPERATOR).map(([k, v]) => [v, k as BuiltinOpName]));
const TYPE_BY_CODE = new Map<number, TensorTypeName>(Object.entries(TENSOR_TYPE).map(([k, v]) => [v, k as TensorTypeName]));

/** Parses the parts of a .tflite file this project writes. */
export function readTflite(bytes: Uint8Array): TfliteSummary {
  const bb = new ByteBuffer(bytes);
  if (bytes.length < 8 || bb.__has_identifier(TFLITE_FILE_IDENTIFIER) === false) {
    throw new RanasError('E_TFLITE_FORMAT', `not a TFLite file: expected identifier '${TFLITE_FILE_IDENTIFIER}' at byte 4`);
  }
  const root = bb.readUint32(0);
  const field = (table: number, id: number): number => bb.__offset(table, 4 + 2 * id);
  const u32 = (table: number, id: number, def: number): number => {
    const o = field(table, id);
    return o ? bb.readUint32(table + o) : def;
  };
  const i32 = (table: number, id: number, def: number): number => {
    const o = field(table, id);
    return o ? bb.readInt32(table + o) : def;
  };
  const i8 = (table: number, id: number, def: number): number => {
    const o = field(table, id);
    return o ? bb.readInt8(table + o) : def;
  };
  const str = (table: number, id: number): string => {
    const o = field(table, id);
    if (!o) return '';
    const s = bb.__string(table + o);
    return typeof s === 'string' ? s : new TextDecoder().decode(s);
  };
  const vec = <T>(table: number, id: number, elemBytes: number, read: (pos: number) => T): T[] => {
    const o = field(table, id);
    if (!o) return [];
    const start = bb.__vector(table + o);
    const n = bb.__vector_len(table + o);
    return Array.from({ length: n }, (_, i) => read(start + i * elemBytes));
  };
  const tables = (table: number, id: number): number[] => vec(table, id, 4, (p) => bb.__indirect(p));
  const ints = (table: number, id: number): number[] => vec(table, id, 4, (p) => bb.readInt32(p));

  const M = FIELD.Model;
  const opcodes = tables(root, M.operator_codes).map((t) => {
    const code = Math.max(i8(t, FIELD.OperatorCode.deprecated_builtin_code, 0), i32(t, FIELD.OperatorCode.builtin_code, 0));
    return { op: OP_BY_CODE.get(code) ?? code, version: i32(t, FIELD.OperatorCode.version, 1) };
  });
  const subgraphs = tables(root, M.subgraphs);
  if (subgraphs.length !== 1) throw new RanasError('E_TFLITE_FORMAT', `expected 1 subgraph, found ${subgraphs.length}`);
  const sg = subgraphs[0];
  const S = FIELD.SubGraph;
  const T = FIELD.Tensor;
  const Q = FIELD.QuantizationParameters;
  const tensors = tables(sg, S.tensors).map((t) => {
    const qo = field(t, T.quantization);
    const q = qo ? bb.__indirect(t + qo) : 0;
    const typeCode = i8(t, T.type, 0);
    return {
      name: str(t, T.name),
      shape: ints(t, T.shape),
      type: TYPE_BY_CODE.get(typeCode) ?? typeCode,
      buffer: u32(t, T.buffer, 0),
      scale: q ? vec(q, Q.scale, 4, (p) => bb.readFloat32(p)) : [],
      zeroPoint: q ? vec(q, Q.zero_point, 8, (p) => Number(bb.readInt64(p))) : [],
      quantizedDimension: q ? i32(q, Q.quantized_dimension, 0) : 0,
    };
  });
  const operators = tables(sg, S.operators).map((o) => ({
    op: opcodes[u32(o, FIELD.Operator.opcode_index, 0)]?.op ?? -1,
    inputs: ints(o, FIELD.Operator.inputs),
    outputs: ints(o, FIELD.Operator.outputs),
  }));
  const buffers = tables(root, M.buffers).map((t) => {
    const o = field(t, FIELD.Buffer.data);
    return o ? { offset: bb.__vector(t + o), length: bb.__vector_len(t + o) } : { offset: -1, length: 0 };
  });
  const tensorMaps = (t: number, id: number) =>
    tables(t, id).map((m) => ({ name: str(m, FIELD.TensorMap.name), tensorIndex: u32(m, FIELD.TensorMap.tensor_index, 0) }));
  const signatures = tables(root, M.signature_defs).map((t) => ({
    key: str(t, FIELD.SignatureDef.signature_key),
    inputs: tensorMaps(t, FIELD.SignatureDef.inputs),
    outputs: tensorMaps(t, FIELD.SignatureDef.outputs),
  }));
  return {
    version: u32(root, M.version, 0),
    description: str(root, M.description),
    operatorCodes: opcodes,
    operators,
    tensors,
    buffers,
    inputs: ints(sg, S.inputs),
    outputs: ints(sg, S.outputs),
    signatures,
  };
}
