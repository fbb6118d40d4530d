/**
 * Test-only: the requantisation TFLite 2.9's CONV_2D and FULLY_CONNECTED int8 kernels actually perform
 * (their GEMM runs in ruy): round(acc * multiplier / 2^31) and then a rounding right shift whose ties go
 * toward +infinity, where TFLite's reference kernels (and gemmlowp) send ties away from zero. The two
 * differ by one step exactly when a negative value lands on a tie (measured: ~1 in 700 outputs of a
 * conv without ReLU). Depthwise conv, pooling, ADD, CONCATENATION and RELU match the reference rounding.
 */

/** ruy's fixed-point rescale of an int32 accumulator: x * multiplier * 2^(shift - 31), ties upward. */
export function ruyMultiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  const prod = BigInt(Math.imul(x, 2 ** leftShift)) * BigInt(multiplier);
  const high = (prod + (1n << 30n)) >> 31n; // arithmetic shift: floor, so ties go up
  if (rightShift === 0) return Number(high);
  return Number((high + (1n << BigInt(rightShift - 1))) >> BigInt(rightShift));
}
