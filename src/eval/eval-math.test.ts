import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confidenceAndPrediction, topKAccuracy } from './exit-accuracy.ts';
import { anytimeCurve, areaUnder } from './anytime-curve.ts';
import { applyThresholds, budgetedSweep, findThresholds, geometricExitDistribution, type ExitDecisions } from './budgeted-batch.ts';

test('top-1 and top-2 accuracy count the label among the k largest probabilities', () => {
  const probs = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.5, 0.1, 0.4]);
  const labels = Int32Array.from([0, 1, 2]);
  assert.equal(topKAccuracy(probs, labels, 3, 1), 1 / 3);
  assert.equal(topKAccuracy(probs, labels, 3, 2), 1);
  const { confidence, prediction } = confidenceAndPrediction(probs, 3);
  assert.deepEqual([...prediction], [0, 2, 0]);
  assert.ok(Math.abs(confidence[1] - 0.6) < 1e-7);
});

test('area under the anytime curve: trapezoid over MMACs normalised by the span', () => {
  const pts = anytimeCurve([1e6, 3e6, 5e6], [0.5, 0.7, 0.8]);
  assert.deepEqual(pts.map((p) => p.mmacs), [1, 3, 5]);
  // (0.5+0.7)/2*2 + (0.7+0.8)/2*2 = 1.2 + 1.5 = 2.7, over 4 MMACs.
  assert.ok(Math.abs(areaUnder(pts) - 2.7 / 4) < 1e-12);
  assert.equal(areaUnder([{ mmacs: 2, accuracy: 0.9 }]), 0.9);
  // Over [0, 6]: 0 until 1, then 2.7 up to 5, then 0.8 for 1 more → 3.5 / 6.
  assert.ok(Math.abs(areaUnder(pts, [0, 6]) - 3.5 / 6) < 1e-12);
});

test('geometric exit distribution follows p^k normalised', () => {
  const q = geometricExitDistribution(0.5, 3);
  assert.ok(Math.abs(q[0] - 4 / 7) < 1e-12 && Math.abs(q[1] - 2 / 7) < 1e-12 && Math.abs(q[2] - 1 / 7) < 1e-12);
  assert.ok(Math.abs(geometricExitDistribution(1, 4)[2] - 0.25) < 1e-12);
});

test('thresholds send the planned fraction out of each exit (MSDNet procedure), hand-checked', () => {
  // 10 validation samples, 2 exits. Exit 0 confidences 0.0 .. 0.9; q = [0.6, 0.4] → 6 leave at exit 0.
  const n = 10;
  const val: ExitDecisions = {
    confidence: [Float32Array.from({ length: n }, (_, i) => i / 10), new Float32Array(n).fill(0.5)],
    prediction: [Int32Array.from({ length: n }, (_, i) => (i >= 5 ? 1 : 0)), new Int32Array(n).fill(1)],
    labels: new Int32Array(n).fill(1),
  };
  const t = findThresholds(val, [0.6, 0.4]);
  assert.ok(Math.abs(t[0] - 0.4) < 1e-7, `threshold ${t[0]}`); // the 6th most confident is 0.4
  assert.equal(t[1], -Infinity);
  const r = applyThresholds(val, t, [1e6, 3e6]);
  assert.deepEqual(r.exitFractions, [0.6, 0.4]);
  // exit 0 takes samples 4..9 (4 is wrong, 5..9 right); exit 1 takes 0..3, all right → 9/10.
  assert.equal(r.accuracy, 0.9);
  assert.ok(Math.abs(r.mmacs - (0.6 * 1 + 0.4 * 3)) < 1e-12);
  const sweep = budgetedSweep(val, val, [1e6, 3e6]);
  assert.equal(sweep.length, 39);
  for (let i = 1; i < sweep.length; i++) assert.ok(sweep[i].mmacs >= sweep[i - 1].mmacs);
});
