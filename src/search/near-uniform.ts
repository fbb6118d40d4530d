/**
 * Whether a search ended with alphas still close to uniform: the mean entropy of softmax(alpha) per cell kind
 * within `tolerance` (default 1 %) of ln K, K the number of primitives. The derived genotype is then an argmax
 * over near-equal weights, i.e. noise — the search needs more epochs, data or alpha learning rate.
 */
import { PRIMITIVE_NAMES } from '../ops/primitives.ts';
import { meanEntropy, type AlphaMatrices } from './derive-genotype.ts';

/** Entropies of both cell kinds and the verdict. */
export interface AlphaUniformity {
  normal: number;
  reduce: number;
  /** ln K (nats). */
  uniform: number;
  /** Cell kinds whose entropy is within the tolerance of ln K. */
  nearUniform: ('normal' | 'reduce')[];
}

/** Checks both alpha matrices against ln K. */
export function alphaUniformity(m: AlphaMatrices, tolerance = 0.01): AlphaUniformity {
  const uniform = Math.log(PRIMITIVE_NAMES.length);
  const normal = meanEntropy(m.normal);
  const reduce = meanEntropy(m.reduce);
  const nearUniform = (['normal', 'reduce'] as const).filter((k) => (k === 'normal' ? normal : reduce) >= (1 - tolerance) * uniform);
  return { normal, reduce, uniform, nearUniform };
}

/** The warning line, or null when the alphas have moved away from uniform. */
export function uniformityWarning(u: AlphaUniformity): string | null {
  if (u.nearUniform.length === 0) return null;
  const pct = (h: number) => `${((100 * h) / u.uniform).toFixed(2)} % of ln ${PRIMITIVE_NAMES.length}`;
  return `warning: the ${u.nearUniform.join(' and ')} alphas are still near uniform (entropy normal ${u.normal.toFixed(4)} = ${pct(u.normal)}, reduce ${u.reduce.toFixed(4)} = ${pct(u.reduce)}); the derived genotype is noise — search longer, on more data, or with a larger --alpha-lr`;
}
