/**
 * TFLite's fixed-point requantisation: a real multiplier becomes an int32 multiplier in [2^30, 2^31) and a
 * power-of-two shift (`QuantizeMultiplier` in TFLite's quantization_util.cc), and an int32 accumulator is
 * rescaled with `MultiplyByQuantizedMultiplier` (common.h): a saturating rounding doubling high multiply
 * followed by a rounding right shift (TFLite 2.9's default double rounding, not TFLITE_SINGLE_ROUNDING).
 * All arithmetic is exact in float64: 64-bit products are split so no intermediate exceeds 2^53.
 */

/** An int32 fixed-point multiplier and its shift: real ≈ multiplier * 2^(shift - 31). */
export interface QuantizedMultiplier {
  /** In [2^30, 2^31), or 0 for a zero (or vanishingly small) real multiplier. */
  multiplier: number;
  /** Left shift when positive, right shift when negative; in [-31, 30]. */
  shift: number;
}

const TWO_31 = 2147483648;
const TWO_30 = 1073741824;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** |a| < 2^21 and |b| < 2^31 keep a·b below 2^52. */
const SMALL = 2097152;
const SMALL_B = 2147483649;

/** 2^k for k in 0..32. */
const POW2 = Array.from({ length: 33 }, (_, k) => 2 ** k);

/** C's frexp: x = fraction * 2^exponent with |fraction| in [0.5, 1). */
export function frexp(x: number): { fraction: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { fraction: x, exponent: 0 };
  let exponent = Math.floor(Math.log2(Math.abs(x))) + 1;
  let fraction = x * 2 ** -exponent;
  // log2 can be off by one near powers of two; fix up so |fraction| is in [0.5, 1).
  while (Math.abs(fraction) >= 1) { fraction /= 2; exponent += 1; }
  while (Math.abs(fraction) < 0.5) { fraction *= 2; exponent -= 1; }
  return { fraction, exponent };
}

/** C's std::round: halves away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Round to nearest with ties to even (ONNX QuantizeLinear, C's nearbyint in the default mode). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties toward +infinity
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** TFLite `QuantizeMultiplier(double)`: the fixed-point form of a positive real multiplier. */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0) return { multiplier: 0, shift: 0 };
  const { fraction, exponent } = frexp(real);
  let shift = exponent;
  let q = roundHalfAway(fraction * TWO_31);
  if (q === TWO_31) { q /= 2; shift += 1; }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: q, shift };
}

/**
 * gemmlowp `SaturatingRoundingDoublingHighMul(a, b)` on int32: round(a*b / 2^31) with ties away from zero
 * (nudge then truncating division), saturating the single overflow case a = b = INT32_MIN.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const nonNegative = a === 0 || b === 0 || (a > 0) === (b > 0);
  const nudge = nonNegative ? TWO_30 : 1 - TWO_30;
  // Fast path: |a·b| < 2^52 is exact in float64 (the usual case: accumulators below 2^21).
  if (a < SMALL && a > -SMALL && b < SMALL_B && b > -SMALL_B) return ((a * b + nudge) / TWO_31) | 0;
  // a*b = a*bHi*2^16 + a*bLo, each part exact in float64 (|a*bHi| < 2^46, |a*bLo| < 2^47).
  const bHi = b >> 16;
  const bLo = b & 0xffff;
  const hi = a * bHi;
  const lo = a * bLo;
  const hiQ = Math.floor(hi / 32768);
  const hiR = hi - hiQ * 32768;
  // a*b + nudge = hiQ * 2^31 + rest, rest exact (< 2^48).
  const rest = hiR * 65536 + lo + nudge;
  const restQ = Math.floor(rest / TWO_31);
  const restR = rest - restQ * TWO_31;
  let q = hiQ + restQ;
  // C++ '/' truncates toward zero: a negative quotient with a remainder moves up by one.
  if (q < 0 && restR !== 0) q += 1;
  return q;
}

/** gemmlowp `RoundingDivideByPOT(x, exponent)`: x / 2^exponent rounded to nearest, ties away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = exponent >= 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLite `MultiplyByQuantizedMultiplier(x, multiplier, shift)` (double rounding, TFLite 2.9 default). */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  // int32 wrap-around like the C++ multiply (only reachable with out-of-contract inputs).
  const shifted = leftShift > 0 ? Math.imul(x, 1 << leftShift) : x;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), rightShift);
}

/**
 * The requantisation TFLite 2.9 actually runs for int8 CONV_2D and FULLY_CONNECTED: their GEMM goes through
 * ruy, whose fixed-point rescale rounds ties upward (toward +infinity) in both stages —
 * high = floor((x·m + 2^30) / 2^31), then floor((high + 2^(s-1)) / 2^s) — where the reference kernels
 * (gemmlowp) round ties away from zero. The two differ by one step exactly on negative ties.
 */
export function multiplyByQuantizedMultiplierRuy(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  const a = leftShift > 0 ? Math.imul(x, 1 << leftShift) : x;
  if (a < SMALL && a > -SMALL) {
    const fast = Math.floor((a * multiplier + TWO_30) / TWO_31);
    return rightShift === 0 ? fast : Math.floor((fast + POW2[rightShift - 1]) / POW2[rightShift]);
  }
  // floor((a*m + 2^30) / 2^31), exact in float64 by splitting m as in saturatingRoundingDoublingHighMul
  const mHi = multiplier >> 16;
  const mLo = multiplier & 0xffff;
  const hi = a * mHi;
  const lo = a * mLo;
  const hiQ = Math.floor(hi / 32768);
  const rest = (hi - hiQ * 32768) * 65536 + lo + TWO_30;
  const high = hiQ + Math.floor(rest / TWO_31);
  if (rightShift === 0) return high;
  return Math.floor((high + POW2[rightShift - 1]) / POW2[rightShift]);
}
