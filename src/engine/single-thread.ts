/**
 * Single-thread implementation of the data-parallel contract (`DataParallel` in
 * `src/engine/data-parallel-types.ts`), so the training loop runs the same way with one thread or many.
 */
import { tf } from './tf.ts';
import type { DataParallel, GradientResult, TrainableModel } from './data-parallel-types.ts';
import { RanasError } from '../errors.ts';

/** Wraps a model built in this thread as a one-replica `DataParallel`. */
export function singleThread(model: TrainableModel): DataParallel {
  return {
    model,
    replicas: 1,
    async gradients(x, shape, labels, varNames, step = {}): Promise<GradientResult> {
      const names = varNames ?? [...model.variables.keys()];
      const vars = names.map((n) => {
        const v = model.variables.get(n);
        if (!v) throw new RanasError('E_UNKNOWN_VARIABLE', `gradients asked for variable ${n}; the model has no such variable`);
        return v;
      });
      const xt = tf.tensor4d(x, shape);
      const lt = tf.tensor1d(labels, 'int32');
      let terms: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const out = model.loss(xt, lt, { ...step, sampleOffset: 0 });
        terms = out.terms.map((t) => tf.keep(t));
        return out.total;
      }, vars);
      const result = new Map<string, Float32Array>();
      for (const [i, v] of vars.entries()) {
        const g = grads[v.name];
        result.set(names[i], g ? new Float32Array(await g.data()) : new Float32Array(v.size));
      }
      const total = (await value.data())[0];
      const termValues = await Promise.all(terms.map(async (t) => (await t.data())[0]));
      tf.dispose([xt, lt, value, ...terms, ...Object.values(grads)]);
      return { grads: result, total, terms: termValues };
    },
    async dispose() {
      model.dispose();
    },
  };
}
