/**
 * The weight update both SGD loops (training and search) make after each gradient: clip the gradients by
 * their global norm (when clipping is on), then one momentum-SGD step with weight decay on every weight.
 */
import type { SgdHyper } from './run-options.ts';
import { clipByGlobalNorm, globalNorm, sgdStep } from './sgd.ts';

/**
 * Updates `weights` and `velocity` in place from `grads` (a missing gradient counts as zero) at learning
 * rate `lr`. Returns the global gradient norm before clipping.
 */
export function sgdUpdate(
  names: readonly string[],
  grads: ReadonlyMap<string, Float32Array>,
  weights: ReadonlyMap<string, Float32Array>,
  velocity: ReadonlyMap<string, Float32Array>,
  lr: number,
  hyper: Pick<SgdHyper, 'momentum' | 'weightDecay' | 'gradClipNorm'>,
): number {
  const gradList = names.map((n) => grads.get(n) ?? new Float32Array(weights.get(n)?.length ?? 0));
  const gradNorm = hyper.gradClipNorm > 0 ? clipByGlobalNorm(gradList, hyper.gradClipNorm) : globalNorm(gradList);
  for (const [i, n] of names.entries()) {
    const w = weights.get(n);
    const v = velocity.get(n);
    if (w && v) sgdStep(w, gradList[i], v, { lr, momentum: hyper.momentum, weightDecay: hyper.weightDecay });
  }
  return gradNorm;
}
