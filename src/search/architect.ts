/**
 * The architecture step of DARTS (`cnn/architect.py`), over a small gradient interface so the same code runs
 * on the tfjs engine and on float64 reference models in tests.
 *
 * First order: ∇α L_val(w, α).
 * Second order (unrolled): with w' = w − ξ(μ·v + ∇w L_train(w, α) + λ·w) (one virtual SGD step with the
 * current momentum buffer v, momentum μ and weight decay λ, as DARTS's `_compute_unrolled_model`),
 *   ∇α L_val(w', α) − ξ · ∇²_{α,w} L_train(w, α) · ∇w' L_val(w', α),
 * the Hessian-vector product by central differences: (∇α L_train(w⁺, α) − ∇α L_train(w⁻, α)) / 2ε with
 * w± = w ± ε·∇w' L_val(w', α) and ε = 0.01 / ‖∇w' L_val(w', α)‖ (DARTS `_hessian_vector_product`).
 */
import { RanasError } from '../errors.ts';

/** Named arrays (weights, alphas, gradients). Float64 in reference tests, float32 from the engine. */
export type Tensors = ReadonlyMap<string, Float32Array | Float64Array>;

/** A loss value and its gradient. */
export interface LossGradient {
  loss: number;
  grads: Tensors;
}

/**
 * Computes the loss of one batch and its gradient with respect to `names`, after setting the tensors in
 * `values` (every other parameter keeps its current value). May update batch-norm statistics.
 */
export interface GradientOracle<B> {
  gradients(values: Tensors, batch: B, names: readonly string[]): Promise<LossGradient>;
}

/** The state the architecture step reads. */
export interface ArchState {
  weights: Tensors;
  alphas: Tensors;
  /** SGD momentum buffers of the weights (zeros before the first weight step). */
  velocity: Tensors;
}

/** The virtual step's hyper-parameters (the weight optimiser's current ones). */
export interface UnrollParams {
  /** ξ: the current weight learning rate. */
  lr: number;
  momentum: number;
  weightDecay: number;
}

/** DARTS's numerator of the finite-difference step: ε = R / ‖∇w' L_val‖. */
export const HVP_R = 0.01;

function need(m: Tensors, name: string): Float32Array | Float64Array {
  const v = m.get(name);
  if (!v) throw new RanasError('E_INTERNAL', `internal: no tensor ${name}`);
  return v;
}

/** First-order DARTS: ∇α L_val(w, α) at the current parameters. */
export async function firstOrderAlphaGrad<B>(oracle: GradientOracle<B>, alphaNames: readonly string[], valBatch: B): Promise<LossGradient> {
  return oracle.gradients(new Map(), valBatch, alphaNames);
}

/** Second-order (unrolled) DARTS hypergradient; `loss` is L_val(w', α). Leaves the oracle's weights at w⁻. */
export async function unrolledAlphaGrad<B>(oracle: GradientOracle<B>, s: ArchState, trainBatch: B, valBatch: B, p: UnrollParams): Promise<LossGradient & { epsilon: number }> {
  const wNames = [...s.weights.keys()];
  const aNames = [...s.alphas.keys()];
  const withAlphas = (w: Map<string, Float64Array>): Tensors => new Map<string, Float32Array | Float64Array>([...w, ...s.alphas]);

  const train = await oracle.gradients(new Map([...s.weights, ...s.alphas]), trainBatch, wNames);
  const unrolled = new Map<string, Float64Array>();
  for (const n of wNames) {
    const w = need(s.weights, n);
    const g = need(train.grads, n);
    const v = s.velocity.get(n);
    unrolled.set(n, Float64Array.from(w, (wi, i) => wi - p.lr * ((v ? p.momentum * v[i] : 0) + g[i] + p.weightDecay * wi)));
  }
  const val = await oracle.gradients(withAlphas(unrolled), valBatch, [...wNames, ...aNames]);
  let sq = 0;
  for (const n of wNames) for (const x of need(val.grads, n)) sq += x * x;
  const norm = Math.sqrt(sq);
  const epsilon = norm > 0 ? HVP_R / norm : 0;
  const shifted = (sign: 1 | -1) => {
    const out = new Map<string, Float64Array>();
    for (const n of wNames) {
      const dw = need(val.grads, n);
      out.set(n, Float64Array.from(need(s.weights, n), (wi, i) => wi + sign * epsilon * dw[i]));
    }
    return out;
  };
  const grads = new Map<string, Float64Array>();
  if (epsilon === 0) {
    for (const n of aNames) grads.set(n, Float64Array.from(need(val.grads, n)));
    return { loss: val.loss, grads, epsilon };
  }
  const plus = await oracle.gradients(withAlphas(shifted(1)), trainBatch, aNames);
  const minus = await oracle.gradients(withAlphas(shifted(-1)), trainBatch, aNames);
  for (const n of aNames) {
    const gp = need(plus.grads, n);
    const gm = need(minus.grads, n);
    grads.set(n, Float64Array.from(need(val.grads, n), (d, i) => d - (p.lr * (gp[i] - gm[i])) / (2 * epsilon)));
  }
  return { loss: val.loss, grads, epsilon };
}
