/**
 * Which engine computes a training step's gradients: the whole step as one TensorFlow graph (`graph`, on the
 * native backend once `ranas setup native` has built the graph addon), or op by op through tfjs (`eager`:
 * the wasm fallback, and data-parallel replicas). `auto` takes the graph when it can.
 */
import type { DataParallel } from '../engine/data-parallel-types.ts';
import { createDataParallel } from '../engine/data-parallel.ts';
import { singleThread } from '../engine/single-thread.ts';
import { graphAddonAvailable } from '../engine/native/tf-graph.ts';
import { ensureGraphAddon } from '../engine/native/graph-addon-build.ts';
import { RanasError } from '../errors.ts';
import { graphEngine } from './graph-engine.ts';
import type { StepExecutor } from './step-executors.ts';
import { buildTrainableGraph, trainableGraphRecipe, type TrainableGraphConfig } from './trainable-graph.ts';

/** The executor a run uses, and why (printed in the run's engine line). */
export function resolveExecutor(requested: StepExecutor, backend: string, replicas: number, addonBuilt = graphAddonAvailable): { executor: 'graph' | 'eager'; why: string } {
  const blocker = backend !== 'tensorflow' ? `the ${backend} backend has no TensorFlow graphs`
    : replicas > 1 ? `${replicas} data-parallel replicas run eager`
      : !addonBuilt() ? 'the graph addon is not built (ranas setup native)' : undefined;
  if (requested === 'eager') return { executor: 'eager', why: 'asked for' };
  if (blocker === undefined) return { executor: 'graph', why: requested === 'graph' ? 'asked for' : 'whole step in one TensorFlow graph' };
  if (requested === 'graph') throw new RanasError('E_TF_GRAPH', `--executor graph cannot run: ${blocker}; expected the tensorflow backend, 1 replica and a built graph addon (or --executor eager)`);
  return { executor: 'eager', why: blocker };
}

/** `resolveExecutor`, after compiling the graph addon when the graph could run but the addon is missing. */
export async function prepareExecutor(requested: StepExecutor, backend: string, replicas: number): Promise<{ executor: 'graph' | 'eager'; why: string }> {
  if (requested !== 'eager' && backend === 'tensorflow' && replicas === 1) await ensureGraphAddon();
  return resolveExecutor(requested, backend, replicas);
}

/** Options of `createStepEngine`. */
export interface StepEngineOptions {
  executor: 'graph' | 'eager';
  replicas: number;
  /** The batch size of the run (the graph tunes its batch-norm layout for it). */
  batch?: number;
}

/** The engine of a training or search run. */
export async function createStepEngine(config: TrainableGraphConfig, o: StepEngineOptions): Promise<DataParallel> {
  if (o.executor === 'graph') return graphEngine(buildTrainableGraph(config), config, { batch: o.batch });
  return o.replicas > 1 ? createDataParallel(trainableGraphRecipe(config), { replicas: o.replicas }) : singleThread(buildTrainableGraph(config));
}
