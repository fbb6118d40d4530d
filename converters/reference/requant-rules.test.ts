import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundHalfEven } from '../quantize/quantized-multiplier.ts';
import { multiplyByQuantizedMultiplierRuy } from '../quantize/quantized-multiplier.ts';
import { ONNX_QDQ_RULES, tfliteRules } from './requant-rules.ts';

const TFLITE = tfliteRules(multiplyByQuantizedMultiplierRuy);

test('roundHalfEven: ties go to the even neighbour on both signs, everything else to the nearest', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, 3, -3]);
});

test('pooling means: TFLite rounds x.5 away from zero on the raw values, ONNX QDQ to even on the centred values', () => {
  const q = { scale: 0.1, zeroPoint: -128 };
  // Four values summing to -442: raw mean -110.5, centred mean 17.5.
  assert.equal(TFLITE.mean(-442, 4, q, q), -111);
  assert.equal(ONNX_QDQ_RULES.mean(-442, 4, q, q), -110); // 17.5 → 18, + zp
  // Centred 16.5 → 16 (even), where TFLite gives raw -111.5 → -112.
  assert.equal(ONNX_QDQ_RULES.mean(-446, 4, q, q), -112);
  assert.equal(TFLITE.mean(-446, 4, q, q), -112);
  // A mean whose output has other parameters is rounded onto the input grid first, then requantised.
  const out = { scale: 0.2, zeroPoint: 0 };
  assert.equal(ONNX_QDQ_RULES.mean(-442, 4, q, out), 9); // centred 18 steps of 0.1 = 1.8 → 9 steps of 0.2
});

test('accumulator rescale: ONNX QDQ rounds acc·f32 multiplier once to even; TFLite differs only by its double rounding', () => {
  const [sIn, sW, sOut] = [0.02, 0.003, 0.05];
  const qdq = ONNX_QDQ_RULES.accumulator('conv', sIn, sW, sOut);
  const tfl = TFLITE.accumulator('conv', sIn, sW, sOut);
  const m = Math.fround(Math.fround(Math.fround(sIn) * Math.fround(sW)) / Math.fround(sOut));
  let differing = 0;
  for (let acc = -20000; acc <= 20000; acc += 7) {
    assert.equal(qdq(acc), roundHalfEven(Math.fround(acc * m)), `acc ${acc}`);
    const d = Math.abs(qdq(acc) - tfl(acc));
    assert.ok(d <= 1, `acc ${acc}: ${d} steps apart`);
    if (d > 0) differing++;
  }
  // Both are within one step; they are not the same function (or the ONNX rules would be pointless).
  assert.ok(differing > 0 && differing < 50, `${differing} of 5715 accumulators differ`);
});
