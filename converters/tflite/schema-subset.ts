/**
 * The part of the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs, schema version 3, file
 * identifier "TFL3") this writer emits, as named constants: enum values and, per table, the field ids in
 * declaration order (a union field takes two ids: `<name>_type` then `<name>`). Facts only; the encoder
 * that uses them is `encode-model.ts`.
 */

/** File identifier at bytes 4..8 of every .tflite file. */
export const TFLITE_FILE_IDENTIFIER = 'TFL3';
/** `Model.version`: schema version 3 (buffers live in `Model.buffers`). */
export const TFLITE_SCHEMA_VERSION = 3;
/** Alignment of `Buffer.data` (`force_align: 16` in the schema). */
export const BUFFER_ALIGN_BYTES = 16;

/** `enum TensorType : byte` (the values this writer uses). */
export const TENSOR_TYPE = { FLOAT32: 0, INT32: 2, INT8: 9 } as const;
export type TensorTypeName = keyof typeof TENSOR_TYPE;

/** `enum BuiltinOperator` (the values this writer uses; all below 127, so they fit the deprecated byte). */
export const BUILTIN_OPERATOR = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  MAX_POOL_2D: 17,
  RELU: 19,
  RESHAPE: 22,
  SOFTMAX: 25,
  PAD: 34,
  MEAN: 40,
  QUANTIZE: 114,
} as const;
export type BuiltinOpName = keyof typeof BUILTIN_OPERATOR;

/** `union BuiltinOptions` type tags (1-based position in the union; 0 = NONE). */
export const BUILTIN_OPTIONS_TYPE = {
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  PadOptions: 22,
  ReducerOptions: 27,
  DequantizeOptions: 38,
  QuantizeOptions: 89,
} as const;
export type BuiltinOptionsName = keyof typeof BUILTIN_OPTIONS_TYPE;

/** `enum Padding : byte`. */
export const PADDING = { SAME: 0, VALID: 1 } as const;
/** `enum ActivationFunctionType : byte` (the values this writer uses). */
export const ACTIVATION = { NONE: 0, RELU: 1 } as const;

/** Field ids of each table (declaration order in schema.fbs). */
export const FIELD = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6, signature_defs: 7, count: 8 },
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3, count: 4 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4, count: 5 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7, count: 8 },
  QuantizationParameters: { min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6, count: 7 },
  Operator: { opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, custom_options: 5, count: 6 },
  Buffer: { data: 0, offset: 1, size: 2, count: 3 },
  SignatureDef: { inputs: 0, outputs: 1, signature_key: 2, deprecated_tag: 3, subgraph_index: 4, count: 5 },
  TensorMap: { name: 0, tensor_index: 1, count: 2 },
  Conv2DOptions: { padding: 0, stride_w: 1, stride_h: 2, fused_activation_function: 3, dilation_w_factor: 4, dilation_h_factor: 5, count: 6 },
  DepthwiseConv2DOptions: {
    padding: 0, stride_w: 1, stride_h: 2, depth_multiplier: 3, fused_activation_function: 4, dilation_w_factor: 5, dilation_h_factor: 6, count: 7,
  },
  Pool2DOptions: { padding: 0, stride_w: 1, stride_h: 2, filter_width: 3, filter_height: 4, fused_activation_function: 5, count: 6 },
  FullyConnectedOptions: { fused_activation_function: 0, weights_format: 1, keep_num_dims: 2, asymmetric_quantize_inputs: 3, count: 4 },
  SoftmaxOptions: { beta: 0, count: 1 },
  ConcatenationOptions: { axis: 0, fused_activation_function: 1, count: 2 },
  AddOptions: { fused_activation_function: 0, pot_scale_int16: 1, count: 2 },
  ReshapeOptions: { new_shape: 0, count: 1 },
  ReducerOptions: { keep_dims: 0, count: 1 },
} as const;
