/**
 * Adam with L2 weight decay, PyTorch `torch.optim.Adam` semantics (what DARTS uses for alpha), as a pure
 * function on arrays:
 *   g' = g + weightDecay·p;  m = β1·m + (1 − β1)·g';  v = β2·v + (1 − β2)·g'²;
 *   p -= lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + eps)
 * with t the 1-based step count after this update.
 */

/** Hyper-parameters of Adam (DARTS alpha: lr 3e-4, betas 0.5/0.999, weight decay 1e-3, eps 1e-8). */
export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  eps: number;
}

/** DARTS's architecture optimiser settings. */
export const DARTS_ALPHA_ADAM: AdamParams = { lr: 3e-4, beta1: 0.5, beta2: 0.999, weightDecay: 1e-3, eps: 1e-8 };

/** Updates `param`, `m` and `v` in place; `step` is the 1-based count of this update. */
export function adamStep(param: Float32Array, grad: ArrayLike<number>, m: Float32Array, v: Float32Array, step: number, p: AdamParams): void {
  const c1 = 1 - p.beta1 ** step;
  const c2 = 1 - p.beta2 ** step;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] + p.weightDecay * param[i];
    m[i] = p.beta1 * m[i] + (1 - p.beta1) * g;
    v[i] = p.beta2 * v[i] + (1 - p.beta2) * g * g;
    param[i] -= (p.lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + p.eps);
  }
}
