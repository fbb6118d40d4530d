/**
 * Thin typed helpers over `onnx-proto` (protobufjs classes generated from onnx.proto, ONNX 1.10): tensors,
 * attributes and value infos as the writer needs them. The package is CommonJS with one `onnx` namespace.
 */
import onnxPackage from 'onnx-proto';
import { RanasError } from '../../src/errors.ts';

/** The generated ONNX protobuf namespace. */
export const onnx = onnxPackage.onnx;
export type NodeProto = onnxPackage.onnx.INodeProto;
export type TensorProto = onnxPackage.onnx.ITensorProto;
export type ValueInfoProto = onnxPackage.onnx.IValueInfoProto;
export type AttributeProto = onnxPackage.onnx.IAttributeProto;

/** Element types the writer emits. */
export type OnnxElem = 'float32' | 'int8' | 'uint8' | 'int32' | 'int64';

/** ONNX `TensorProto.DataType` of each element type. */
export const ONNX_DATA_TYPE: Record<OnnxElem, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
};

type ElemArray = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/** An initializer with little-endian raw data (this code runs on little-endian hosts only: x86, arm64). */
export function initializer(name: string, elem: OnnxElem, dims: number[], data: ElemArray): TensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new RanasError('E_ONNX_WEIGHT', `initializer ${name}: ${data.length} values for dims [${dims.join(', ')}]; expected their product`);
  const raw = new Uint8Array(data.byteLength);
  raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return { name, dataType: ONNX_DATA_TYPE[elem], dims, rawData: raw };
}

/** A tensor value info (graph input/output) with static dims. */
export function valueInfo(name: string, elem: OnnxElem, dims: number[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_DATA_TYPE[elem], shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  };
}

export function attrInt(name: string, i: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

export function attrInts(name: string, ints: number[]): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

export function attrFloat(name: string, f: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}

/** Encodes a model proto to bytes. */
export function encodeModel(model: onnxPackage.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
