/**
 * Per-exit latency targets in the one-shot search: the constraint E_k(α) ≤ T_k for every targeted exit k
 * (`expected-latency.ts`) enters the alpha loss as Σ_k λ_k (E_k / T_k − 1), with one Lagrange multiplier per
 * exit updated by projected dual ascent after every alpha step: λ_k ← max(0, λ_k + η (E_k / (m·T_k) − 1)).
 * A user states milliseconds; the weights adapt until the targets hold (λ grows while an exit is over its
 * target and decays back towards 0 once it is under). m (default 0.95) aims a little under the target, since
 * the derived genotype (argmax, two edges per node) is not the expectation.
 */
import { RanasError } from '../errors.ts';
import type { CellKind } from '../model/genotype.ts';
import { expectedExitGradient, expectedExitUs, type AlphaFlat, type ExitLatencyModel } from './expected-latency.ts';

/** Default dual step size η and target margin m. */
export const DEFAULT_DUAL_LR = 0.5;
export const DEFAULT_TARGET_MARGIN = 0.95;

/** What one constraint step reports. */
export interface ConstraintStep {
  grads: Record<CellKind, Float64Array>;
  expectedUs: number[];
  /** Multipliers after the dual update. */
  lambdas: number[];
}

/** The Lagrangian of the exit targets, with its multipliers. */
export class ExitLatencyConstraint {
  readonly lambdas: number[];

  constructor(
    readonly model: ExitLatencyModel,
    readonly targetsUs: readonly (number | null)[],
    readonly dualLr = DEFAULT_DUAL_LR,
    readonly margin = DEFAULT_TARGET_MARGIN,
  ) {
    if (targetsUs.length !== model.fixedUs.length) throw new RanasError('E_LATENCY_TARGETS', `${targetsUs.length} targets for ${model.fixedUs.length} exits; expected one per exit`);
    this.lambdas = targetsUs.map(() => 0);
  }

  /** Gradient of Σ λ_k (E_k / T_k − 1) at `alphas`, then the dual update of every λ_k. */
  step(alphas: AlphaFlat): ConstraintStep {
    const expectedUs = expectedExitUs(this.model, alphas);
    const coef = this.targetsUs.map((t, k) => (t === null ? 0 : this.lambdas[k] / t));
    const grads = expectedExitGradient(this.model, alphas, coef);
    this.targetsUs.forEach((t, k) => {
      if (t !== null) this.lambdas[k] = Math.max(0, this.lambdas[k] + this.dualLr * (expectedUs[k] / (this.margin * t) - 1));
    });
    return { grads, expectedUs, lambdas: [...this.lambdas] };
  }
}
