/**
 * The `GradientOracle` of the architecture step on the tfjs engine: sets the given tensors on replica 0 of a
 * `DataParallel` (the others sync before each computation) and asks it for gradients of the exit-weighted
 * loss on one batch.
 */
import { tf } from '../engine/tf.ts';
import type { DataParallel } from '../engine/data-parallel-types.ts';
import type { Batch } from '../run/batch-source.ts';
import type { GradientOracle, Tensors } from './architect.ts';
import { RanasError } from '../errors.ts';

/** Writes `values` into the model's variables (float32). */
export function assignVariables(vars: Map<string, tf.Variable>, values: Tensors): void {
  for (const [name, data] of values) {
    const v = vars.get(name);
    if (!v) throw new RanasError('E_UNKNOWN_VARIABLE', `internal: model has no variable ${name}`);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    tf.tidy(() => v.assign(tf.tensor(f32, v.shape, 'float32')));
  }
}

/** The oracle over an engine. */
export function engineOracle(dp: DataParallel): GradientOracle<Batch> {
  return {
    async gradients(values, batch, names) {
      assignVariables(dp.model.variables, values);
      const g = await dp.gradients(batch.x, batch.shape, batch.labels, [...names]);
      return { loss: g.total, grads: g.grads };
    },
  };
}
