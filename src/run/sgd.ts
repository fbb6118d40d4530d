/**
 * SGD with momentum and weight decay, PyTorch semantics, as pure functions on Float32Arrays:
 *   g' = g + weightDecay * w;  v = momentum * v + g';  w = w - lr * v
 * (no dampening, no Nesterov). The first step with v = 0 gives v = g', as in PyTorch.
 */

/** Hyper-parameters of one SGD step. */
export interface SgdParams {
  lr: number;
  /** Default 0.9. */
  momentum: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
}

/** Updates `weights` and `velocity` in place from `grad` (all the same length). */
export function sgdStep(weights: Float32Array, grad: Float32Array, velocity: Float32Array, p: SgdParams): void {
  const { lr, momentum, weightDecay } = p;
  for (let i = 0; i < weights.length; i++) {
    const g = grad[i] + weightDecay * weights[i];
    const v = momentum * velocity[i] + g;
    velocity[i] = v;
    weights[i] -= lr * v;
  }
}

/** Global L2 norm over several gradient arrays (float64 accumulation). */
export function globalNorm(grads: Iterable<Float32Array>): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  return Math.sqrt(sum);
}

/**
 * Clips gradients in place to a global norm of at most `maxNorm` (PyTorch `clip_grad_norm_`: scale by
 * maxNorm / (norm + 1e-6) when that is below 1). Returns the norm before clipping.
 */
export function clipByGlobalNorm(grads: Float32Array[], maxNorm: number): number {
  const norm = globalNorm(grads);
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= scale;
  return norm;
}
