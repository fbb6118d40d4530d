/**
 * What one replica does, in the calling thread or in a worker: build the model from its recipe, load
 * and read its state (variables + buffers), and compute the gradients of one shard.
 */
import { tf } from './tf.ts';
import type { ModelRecipe, ShardStep, TrainableModel } from './data-parallel-types.ts';
import { RanasError } from '../errors.ts';

/** Named float32 arrays (weights, buffers or gradients) as they cross threads. */
export type NamedArrays = [string, Float32Array][];

/** Gradients of one shard: the shard means, plus the buffers the shard's forward pass left. */
export interface ShardResult {
  rows: number;
  grads: NamedArrays;
  total: number;
  terms: number[];
  buffers: NamedArrays;
}

/** Imports the recipe's module and builds the model. */
export async function buildFromRecipe(recipe: ModelRecipe): Promise<TrainableModel> {
  const url = recipe.module.startsWith('file:') ? recipe.module : new URL(`file://${recipe.module}`).href;
  const mod: unknown = await import(url);
  const build = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)[recipe.exportName] : undefined;
  if (typeof build !== 'function') {
    throw new RanasError('E_RECIPE', `recipe module ${recipe.module} has no exported function ${recipe.exportName}`, { module: recipe.module });
  }
  const model: unknown = await build(recipe.config);
  if (!isTrainableModel(model)) {
    throw new RanasError('E_RECIPE', `${recipe.exportName} in ${recipe.module} did not return a TrainableModel (variables, buffers, loss, dispose)`);
  }
  return model;
}

function isTrainableModel(m: unknown): m is TrainableModel {
  return typeof m === 'object' && m !== null && 'variables' in m && m.variables instanceof Map && 'buffers' in m && m.buffers instanceof Map && 'loss' in m && typeof m.loss === 'function';
}

/** Reads every variable and buffer of the model (the state replicas are synced to). */
export function readState(model: TrainableModel): NamedArrays {
  return [...readMap(model.variables), ...readMap(model.buffers)];
}

/** Reads the buffers only. */
export function readBuffers(model: TrainableModel): NamedArrays {
  return readMap(model.buffers);
}

function readMap(m: Map<string, tf.Variable>): NamedArrays {
  // Copies: the cpu backend's dataSync returns its own storage, which must not be transferred away.
  return [...m].map(([name, v]) => [name, new Float32Array(v.dataSync())]);
}

/** Assigns named arrays to the model's variables or buffers (unknown names are an error). */
export function writeState(model: TrainableModel, state: NamedArrays): void {
  tf.tidy(() => {
    for (const [name, values] of state) {
      const v = model.variables.get(name) ?? model.buffers.get(name);
      if (!v) throw new RanasError('E_DATA_PARALLEL', `replica has no variable or buffer named ${name}`);
      if (v.size !== values.length) throw new RanasError('E_DATA_PARALLEL', `${name} has ${v.size} values; received ${values.length}`);
      v.assign(tf.tensor(values, v.shape, 'float32'));
    }
  });
}

/** Gradients of the shard-mean total with respect to `varNames` (default: every variable). */
export function shardGradients(model: TrainableModel, x: Float32Array, shape: [number, number, number, number], labels: Int32Array, varNames?: string[], step: ShardStep = { sampleOffset: 0 }): ShardResult {
  const names = varNames ?? [...model.variables.keys()];
  const vars = names.map((n) => {
    const v = model.variables.get(n);
    if (!v) throw new RanasError('E_DATA_PARALLEL', `gradients requested for unknown variable ${n}; the model has ${[...model.variables.keys()].join(', ')}`);
    return v;
  });
  let terms: number[] = [];
  let total = 0;
  const grads: NamedArrays = [];
  // Typed arrays are collected outside tidy's return value (tidy walks returned containers element by element).
  tf.tidy(() => {
    const xt = tf.tensor4d(x, shape);
    const lt = tf.tensor1d(labels, 'int32');
    const out = tf.variableGrads(() => {
      const r = model.loss(xt, lt, step);
      terms = r.terms.map((t) => t.dataSync()[0]);
      return r.total;
    }, vars);
    total = out.value.dataSync()[0];
    vars.forEach((v, i) => {
      const g = out.grads[v.name];
      grads.push([names[i], g ? new Float32Array(g.dataSync()) : new Float32Array(v.size)]);
    });
  });
  return { rows: shape[0], grads, total, terms, buffers: readBuffers(model) };
}
