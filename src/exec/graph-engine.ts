/**
 * The data-parallel contract (`DataParallel`) served by the graph step: one session call per gradient
 * computation in the calling thread. The model's tf.Variables stay the master copy every other part reads
 * (evaluation, checkpoints): each call reads the weights from them and writes the new running statistics back.
 */
import { tf } from '../engine/tf.ts';
import type { DataParallel, GradientResult } from '../engine/data-parallel-types.ts';
import { buildGraphStep, type GraphStep } from './graph-step.ts';
import type { TrainableGraph, TrainableGraphConfig } from './trainable-graph.ts';

/** Options of the graph engine. */
export interface GraphEngineOptions {
  /** Batch size the graph is tuned for. */
  batch?: number;
}

/** Reads a variable's values, reusing the last read while the variable still holds the same tensor. */
function cachedReader(): (v: tf.Variable) => Float32Array {
  const cache = new WeakMap<tf.Variable, { dataId: object; data: Float32Array }>();
  return (v) => {
    const hit = cache.get(v);
    if (hit && hit.dataId === v.dataId) return hit.data;
    const data = v.dataSync();
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    cache.set(v, { dataId: v.dataId, data: f32 });
    return f32;
  };
}

/** Wraps `model` (built from `config`) so its gradients come from the graph step. */
export function graphEngine(model: TrainableGraph, config: TrainableGraphConfig, o: GraphEngineOptions = {}): DataParallel {
  const step: GraphStep = buildGraphStep({ graph: config.graph, exitWeights: config.exitWeights, batch: o.batch });
  const read = cachedReader();
  return {
    model,
    replicas: 1,
    async gradients(x, shape, labels, varNames, settings = {}): Promise<GradientResult> {
      const names = varNames ?? step.variableNames;
      const variables = new Map<string, Float32Array>();
      for (const [n, v] of model.variables) variables.set(n, read(v));
      const buffers = new Map<string, Float32Array>();
      for (const [n, v] of model.buffers) buffers.set(n, read(v));
      const dropPath = settings.dropPath ? { ...settings.dropPath, sampleOffset: 0 } : undefined;
      const r = step.run(x, shape, labels, { variables, buffers }, names, dropPath);
      tf.tidy(() => {
        for (const [n, data] of r.buffers) {
          const v = model.buffers.get(n);
          if (v) v.assign(tf.tensor(data, v.shape, 'float32'));
        }
      });
      return { grads: r.grads, total: r.total, terms: r.terms };
    },
    async dispose() {
      step.close();
      model.dispose();
    },
  };
}
