/**
 * Standalone int8 ReLU and the exits' whole-map mean as depthwise convolutions with constant weights, so the
 * int8 TFLite graph is made only of ops XNNPACK delegates in int8 (its delegate leaves int8 RELU and
 * AVERAGE_POOL_2D to the builtin kernels, splitting a model into several partitions):
 *  - ReLU: a 1×1 depthwise convolution, every weight 127 with scale 1/127 (real weight 1), fused RELU;
 *  - mean over H×W: an H×W VALID depthwise convolution, every weight 127 with scale 1/(127·H·W).
 * Bias zero. The tflite writer emits them and the int8 reference computes them under TFLite's rules with
 * the same numbers (depthwise accumulator, per-channel multiplier), so the two stay bit-exact.
 */

/** The int8 value of every weight. */
export const UNIT_WEIGHT = 127;

/** Weight scale of a unit depthwise convolution averaging `cells` cells (1 for ReLU), as float32. */
export function unitWeightScale(cells: number): number {
  return Math.fround(1 / (UNIT_WEIGHT * cells));
}
