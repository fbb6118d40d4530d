/**
 * The converters' core, re-exported: passes (fold batch-norm, fuse relu), calibration, quantisation, the
 * fp32 and int8 reference executors and segment cutting. Writers live in tflite/, onnx/, bundle/.
 */
export { foldBatchNorm, batchNormAffine, type ChannelAffine } from './passes/fold-batch-norm.ts';
export { fuseRelu } from './passes/fuse-relu.ts';
export { useCounts, dropUnusedWeights } from './passes/graph-edit.ts';
export {
  calibrate, referenceCalibrationForward,
  type CalibrateOptions, type CalibrationForward, type TensorRange, type TensorRanges,
} from './quantize/calibrate.ts';
export { quantizeGraph, checkQuantizedGraph, quantizeSymmetric, quantizeBias, BIAS_SCALE_TOLERANCE } from './quantize/quantize.ts';
export {
  chooseQuantParams, quantizeValue, dequantizeValue, quantizeTensor, dequantizeTensor, symmetricScale,
  QMIN, QMAX, WEIGHT_QMAX,
} from './quantize/quant-params.ts';
export {
  quantizeMultiplier, multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierRuy, saturatingRoundingDoublingHighMul, roundingDivideByPOT,
  roundHalfAway, frexp, type QuantizedMultiplier,
} from './quantize/quantized-multiplier.ts';
export { referenceForward, referenceForwardFeeds } from './reference/reference-forward.ts';
export { integerForward, integerForwardFeeds, type IntegerForwardOptions } from './reference/integer-forward.ts';
export { activationRange } from './reference/integer-kernels.ts';
export { inferShapes, sizeOf } from './reference/shapes.ts';
export { axisGeometry, type AxisGeometry } from '../src/ir/padding.ts';
export { cutSegments } from './segments.ts';
export type { QuantizedGraph, QuantizedWeight, Segment, TensorQuant } from './quant-types.ts';
