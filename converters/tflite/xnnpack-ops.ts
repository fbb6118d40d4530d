/**
 * The TFLite builtin ops XNNPACK's delegate takes in int8 (signed, per-channel weights) — from its documented
 * operator list (tensorflow/lite/delegates/xnnpack/README.md, "Quantized operators") as far as ranas's
 * writer emits them. Ops outside it (int8 RELU, AVERAGE_POOL_2D) stay on TFLite's builtin kernels and split
 * the model into several delegate partitions, each boundary a hand-off between runtimes.
 */
export const XNNPACK_INT8_OPS: ReadonlySet<string> = new Set([
  'ADD', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'MAX_POOL_2D', 'RESHAPE',
]);
