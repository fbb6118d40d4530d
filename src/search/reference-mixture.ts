/**
 * A float64 reference model with a mixed op, for checking the architecture step exactly (the tfjs engine is
 * float32): K candidate "ops" o_k(x) = tanh(w_k · x), prediction Σ_k softmax(α)_k o_k(x), mean squared error
 * against a target. Analytic gradients w.r.t. `w` (K·d values, row k = w_k) and `alpha` (K values).
 */
import type { GradientOracle, Tensors } from './architect.ts';

/** One batch: inputs (each of length d) and targets. */
export interface MixtureBatch {
  x: number[][];
  t: number[];
}

/** Loss and gradients of the reference model at (w, alpha). */
export function mixtureLoss(w: ArrayLike<number>, alpha: ArrayLike<number>, b: MixtureBatch): { loss: number; dw: Float64Array; dalpha: Float64Array } {
  const k = alpha.length;
  const d = w.length / k;
  const m = Math.max(...Array.from(alpha));
  const e = Array.from(alpha, (a) => Math.exp(a - m));
  const z = e.reduce((s, v) => s + v, 0);
  const s = e.map((v) => v / z);
  const dw = new Float64Array(w.length);
  const ds = new Float64Array(k);
  let loss = 0;
  const n = b.x.length;
  for (const [i, x] of b.x.entries()) {
    const o = s.map((_, j) => Math.tanh(x.reduce((acc, xv, c) => acc + xv * w[j * d + c], 0)));
    const r = o.reduce((acc, oj, j) => acc + s[j] * oj, 0) - b.t[i];
    loss += (r * r) / n;
    const dp = (2 * r) / n;
    for (let j = 0; j < k; j++) {
      ds[j] += dp * o[j];
      const dz = dp * s[j] * (1 - o[j] * o[j]);
      for (let c = 0; c < d; c++) dw[j * d + c] += dz * x[c];
    }
  }
  const mean = s.reduce((acc, sj, j) => acc + sj * ds[j], 0);
  const dalpha = Float64Array.from(s, (sj, j) => sj * (ds[j] - mean));
  return { loss, dw, dalpha };
}

/** The oracle over the reference model; parameters are named `w` and `alpha`. */
export function mixtureOracle(initial: { w: Float64Array; alpha: Float64Array }): GradientOracle<MixtureBatch> & { current: Map<string, Float64Array> } {
  const current = new Map<string, Float64Array>([['w', Float64Array.from(initial.w)], ['alpha', Float64Array.from(initial.alpha)]]);
  return {
    current,
    async gradients(values: Tensors, batch: MixtureBatch, names: readonly string[]) {
      for (const [n, v] of values) current.set(n, Float64Array.from(v));
      const r = mixtureLoss(current.get('w') ?? new Float64Array(), current.get('alpha') ?? new Float64Array(), batch);
      const all = new Map<string, Float64Array>([['w', r.dw], ['alpha', r.dalpha]]);
      return { loss: r.loss, grads: new Map(names.map((nm) => [nm, all.get(nm) ?? new Float64Array()])) };
    },
  };
}
