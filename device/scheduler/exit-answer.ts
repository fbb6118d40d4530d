/** Reading an exit: dequantised logits → softmax → top-k with class names. */
import type { InferResultMsg } from '../../firmware-bridge/messages.ts';
import type { BundleTensor } from '../../src/bundle-format/manifest.ts';
import type { TensorArray } from '../runtimes/runtime.ts';

export interface ClassScore {
  classIndex: number;
  label: string;
  confidence: number;
}

/** Softmax probabilities of logits (dequantised with the tensor's scale/zero point when int8). */
export function softmaxOf(logits: TensorArray, tensor: BundleTensor): Float64Array {
  const scale = tensor.dtype === 'int8' ? tensor.scale ?? 1 : 1;
  const zp = tensor.dtype === 'int8' ? tensor.zeroPoint ?? 0 : 0;
  const p = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    p[i] = scale * (logits[i] - zp);
    if (p[i] > max) max = p[i];
  }
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    p[i] = Math.exp(p[i] - max);
    sum += p[i];
  }
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

/** The `k` most probable classes, best first (ties: lower index first). */
export function topK(probs: Float64Array, k: number, classNames: readonly string[]): ClassScore[] {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b).slice(0, Math.max(1, k));
  return order.map((i) => ({ classIndex: i, label: classNames[i] ?? `class${i}`, confidence: probs[i] }));
}

/** Index of the largest probability (first on ties). */
export function argmax(probs: Float64Array): number {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  return best;
}

/** What an answer is made of besides the probabilities: where it stopped and what it cost. */
export interface AnswerFacts {
  exitIndex: number;
  classNames: readonly string[];
  topK: number | undefined;
  segmentLatencyUs: number[];
  /** Arrival time and the clock: the answer's total is taken once it is built (top-k included). */
  t0: number;
  nowUs: () => number;
  budgetUs: number;
  /** The budget is below the cheapest answer the device can give (exit 1). */
  overBudget: boolean;
}

/** The answer of a request from the answering exit's probabilities (every policy answers this way). */
export function answerOf(probs: Float64Array, f: AnswerFacts): { answer: InferResultMsg; endUs: number } {
  const best = argmax(probs);
  const top = topK(probs, f.topK ?? 5, f.classNames);
  const endUs = f.nowUs();
  const totalUs = endUs - f.t0;
  return {
    answer: {
      exitIndex: f.exitIndex, classIndex: best, label: f.classNames[best] ?? `class${best}`, confidence: probs[best], topK: top,
      segmentLatencyUs: f.segmentLatencyUs, totalUs, budgetUs: f.budgetUs, met: totalUs <= f.budgetUs, overBudget: f.overBudget,
    },
    endUs,
  };
}
