/**
 * Budgeted-batch evaluation as in MSDNet (Huang et al. 2018; kalviny/MSDNet-PyTorch
 * `adaptive_inference.py`, without the greedy logit ensemble): a sample leaves at the first exit whose
 * confidence (max softmax probability) reaches that exit's threshold; the last exit takes every sample
 * left. Thresholds are chosen on a validation split so that the fraction of samples leaving at exit k
 * follows a geometric distribution q_k ∝ p^k (k = 1..K): going through exits in order, exit k's threshold is
 * the confidence of the floor(n*q_k)-th most confident sample among those still present (none leave when
 * that count is 0). The same thresholds then apply to the test split, giving (expected MMACs, accuracy).
 * MSDNet sweeps p = i/20 for i = 1..39; so does `budgetedSweep`.
 */

/** Confidence and prediction of every exit over one split. */
export interface ExitDecisions {
  /** Per exit: confidence of each sample (max softmax probability). */
  confidence: Float32Array[];
  /** Per exit: predicted class of each sample. */
  prediction: Int32Array[];
  labels: Int32Array;
}

/** Result of applying thresholds. */
export interface BudgetedResult {
  accuracy: number;
  /** Expected MMACs per sample (MACs of the exit taken — trunk + every head up to it — / 1e6, averaged). */
  mmacs: number;
  /** Fraction of samples leaving at each exit. */
  exitFractions: number[];
}

/** Geometric exit distribution q_k = p^k / sum_j p^j, k = 1..exits. */
export function geometricExitDistribution(p: number, exits: number): number[] {
  const q = Array.from({ length: exits }, (_, k) => Math.exp(Math.log(p) * (k + 1)));
  const sum = q.reduce((a, b) => a + b, 0);
  return q.map((v) => v / sum);
}

/** Thresholds per exit from a validation split (last exit: -Infinity, takes everything left). */
export function findThresholds(val: ExitDecisions, distribution: number[]): number[] {
  const exits = val.confidence.length;
  const n = val.labels.length;
  const gone = new Uint8Array(n);
  const thresholds = new Array<number>(exits).fill(Infinity);
  for (let k = 0; k < exits - 1; k++) {
    const conf = val.confidence[k];
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => conf[b] - conf[a]);
    const out = Math.floor(n * distribution[k]);
    let count = 0;
    for (const i of order) {
      if (gone[i]) continue;
      count += 1;
      if (count === out) {
        thresholds[k] = conf[i];
        break;
      }
    }
    for (let i = 0; i < n; i++) if (conf[i] >= thresholds[k]) gone[i] = 1;
  }
  thresholds[exits - 1] = -Infinity;
  return thresholds;
}

/** Applies thresholds to a split: accuracy and expected MMACs (costs: MACs of answering at each exit, trunk + every head up to it). */
export function applyThresholds(split: ExitDecisions, thresholds: number[], exitMacs: number[]): BudgetedResult {
  const exits = split.confidence.length;
  const n = split.labels.length;
  const taken = new Array<number>(exits).fill(0);
  let correct = 0;
  let macs = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < exits; k++) {
      if (split.confidence[k][i] >= thresholds[k] || k === exits - 1) {
        if (split.prediction[k][i] === split.labels[i]) correct += 1;
        taken[k] += 1;
        macs += exitMacs[k];
        break;
      }
    }
  }
  return { accuracy: n ? correct / n : 0, mmacs: n ? macs / n / 1e6 : 0, exitFractions: taken.map((t) => (n ? t / n : 0)) };
}

/** One point of the budgeted sweep. */
export interface BudgetedPoint extends BudgetedResult {
  p: number;
  thresholds: number[];
  validationAccuracy: number;
}

/** MSDNet's sweep: p = i/20 for i = 1..39, thresholds on `val`, measured on `test`; sorted by MMACs. */
export function budgetedSweep(val: ExitDecisions, test: ExitDecisions, exitMacs: number[]): BudgetedPoint[] {
  const exits = exitMacs.length;
  const points: BudgetedPoint[] = [];
  for (let i = 1; i < 40; i++) {
    const p = i / 20;
    const thresholds = findThresholds(val, geometricExitDistribution(p, exits));
    const v = applyThresholds(val, thresholds, exitMacs);
    points.push({ p, thresholds, validationAccuracy: v.accuracy, ...applyThresholds(test, thresholds, exitMacs) });
  }
  return points.sort((a, b) => a.mmacs - b.mmacs);
}
