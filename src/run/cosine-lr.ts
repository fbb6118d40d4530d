/**
 * Cosine learning-rate schedule over the total number of steps (per step, not per epoch):
 * lr(step) = lrMin + (lr0 - lrMin) * (1 + cos(pi * step / totalSteps)) / 2, so lr(0) = lr0 and
 * lr(totalSteps) = lrMin.
 */
export function cosineLr(step: number, totalSteps: number, lr0: number, lrMin: number): number {
  const t = totalSteps > 0 ? Math.min(Math.max(step / totalSteps, 0), 1) : 1;
  return lrMin + ((lr0 - lrMin) * (1 + Math.cos(Math.PI * t))) / 2;
}
