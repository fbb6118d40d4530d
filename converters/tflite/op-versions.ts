/**
 * Operator versions this writer declares: the minimum version TFLite's own converter assigns for the
 * variant written (tensorflow/lite/tools/versioning/op_version.cc), all accepted by the TFLite 2.9
 * runtime that tfjs-tflite-node ships. A runtime rejects versions newer than it registers, so declaring
 * more than needed breaks old devices and declaring less picks a kernel that lacks the feature.
 */
import type { BuiltinOpName } from './schema-subset.ts';

/** Which kernel family an operator runs in. */
export type OpPrecision = 'fp32' | 'int8';

/** What beyond the element type changes an op's version. */
export interface OpVersionFeatures {
  /** Dilation factor other than 1 (DEPTHWISE_CONV_2D fp32 needs version 2). */
  dilated?: boolean;
}

/** Minimum versions per op and precision (int8: int8 activations and weights, int32 bias). */
const MIN_VERSION: Record<BuiltinOpName, Record<OpPrecision, number>> = {
  ADD: { fp32: 1, int8: 2 },
  AVERAGE_POOL_2D: { fp32: 1, int8: 2 },
  CONCATENATION: { fp32: 1, int8: 2 },
  // int8 per-channel (full integer) is version 3; fp32 dilation needs no bump for CONV_2D.
  CONV_2D: { fp32: 1, int8: 3 },
  // int8 is version 3 with or without dilation; fp32 with dilation is version 2.
  DEPTHWISE_CONV_2D: { fp32: 1, int8: 3 },
  // DEQUANTIZE's version follows its input: int8 → 2.
  DEQUANTIZE: { fp32: 1, int8: 2 },
  // Int8 full-integer kernel is version 4 (with a bias input; no bias would need version 6).
  FULLY_CONNECTED: { fp32: 1, int8: 4 },
  MAX_POOL_2D: { fp32: 1, int8: 2 },
  MEAN: { fp32: 1, int8: 2 },
  PAD: { fp32: 1, int8: 2 },
  RELU: { fp32: 1, int8: 2 },
  RESHAPE: { fp32: 1, int8: 1 },
  SOFTMAX: { fp32: 1, int8: 2 },
  // float32 → int8 per-tensor is version 1 (2 is int16 output, 3 per-channel).
  QUANTIZE: { fp32: 1, int8: 1 },
};

/** The version to declare for `op` in `precision` with the given features. */
export function opVersion(op: BuiltinOpName, precision: OpPrecision, features: OpVersionFeatures = {}): number {
  const base = MIN_VERSION[op][precision];
  if (op === 'DEPTHWISE_CONV_2D' && precision === 'fp32' && features.dilated) return 2;
  return base;
}
