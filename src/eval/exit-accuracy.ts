/**
 * Per-exit accuracy from softmax outputs: top-1 (and top-k) as pure functions on Float32Arrays.
 */

/** Softmax outputs of every exit over one dataset. */
export interface ExitProbabilities {
  /** Per exit: n*classes softmax probabilities, row-major. */
  probs: Float32Array[];
  labels: Int32Array;
  classes: number;
}

/** Fraction of rows whose label is among the k largest probabilities (ties count as hits only if strictly fewer than k larger). */
export function topKAccuracy(probs: Float32Array, labels: Int32Array, classes: number, k: number): number {
  const n = labels.length;
  if (n === 0) return 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    const p = probs[row + labels[i]];
    let larger = 0;
    for (let c = 0; c < classes && larger < k; c++) if (probs[row + c] > p) larger++;
    if (larger < k) hits++;
  }
  return hits / n;
}

/** Per-row confidence (max probability) and prediction (argmax; first index on ties). */
export function confidenceAndPrediction(probs: Float32Array, classes: number): { confidence: Float32Array; prediction: Int32Array } {
  const n = probs.length / classes;
  const confidence = new Float32Array(n);
  const prediction = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[i * classes + c] > probs[i * classes + best]) best = c;
    confidence[i] = probs[i * classes + best];
    prediction[i] = best;
  }
  return { confidence, prediction };
}
