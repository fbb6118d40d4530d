/**
 * The `ModelRecipe` target for IR graphs: builds a `TrainableModel` (the data-parallel contract in
 * `src/engine/data-parallel-types.ts`) from a graph and its exit weights, in any thread. The loss is the
 * cumulative exit-weighted cross-entropy: mean over the batch of sum_k w_k CE_k = sum_k w_k mean(CE_k).
 */
import { tf } from '../engine/tf.ts';
import { meanCrossEntropy } from '../engine/cross-entropy.ts';
import type { ModelRecipe, TrainableModel } from '../engine/data-parallel-types.ts';
import { RanasError } from '../errors.ts';
import type { ModelGraph } from '../ir/types.ts';
import { createProgram, type Program } from './program.ts';

/** Config of the recipe (structured-cloneable: the graph's weights are Float32Arrays). */
export interface TrainableGraphConfig {
  graph: ModelGraph;
  /** One weight per exit, in exit order. */
  exitWeights: number[];
}

/** A trainable model that also exposes its program (for evaluation and weight export). */
export interface TrainableGraph extends TrainableModel {
  readonly program: Program;
}

/**
 * Exit-weighted cross-entropy: per-exit mean CE over the batch (`terms`) and their weighted sum (`total`).
 * `labels` are class indices (int32).
 */
export function exitWeightedLoss(logits: tf.Tensor2D[], labels: tf.Tensor1D, exitWeights: number[]): { total: tf.Scalar; terms: tf.Scalar[] } {
  if (logits.length !== exitWeights.length) {
    throw new RanasError('E_TRAIN_EXIT_WEIGHTS', `expected one exit weight per exit (${logits.length}), found ${exitWeights.length}`);
  }
  const terms = logits.map((l) => meanCrossEntropy(l, labels));
  const weighted = terms.map((t, k) => (exitWeights[k] === 1 ? t : tf.mul(t, exitWeights[k])));
  const total = (weighted.length === 1 ? weighted[0] : tf.addN(weighted)) as tf.Scalar;
  return { total, terms };
}

/** Builds the trainable model of a graph (the recipe's export). */
export function buildTrainableGraph(config: TrainableGraphConfig): TrainableGraph {
  const program = createProgram(config.graph);
  return {
    program,
    variables: program.variables,
    buffers: program.buffers,
    loss(x, labels, step) {
      const dropPath = step?.dropPath ? { ...step.dropPath, sampleOffset: step.sampleOffset } : undefined;
      const { exits } = program.forward(x, { training: true, dropPath });
      return exitWeightedLoss(exits, labels, config.exitWeights);
    },
    dispose: () => program.dispose(),
  };
}

/** The recipe that rebuilds this model in a worker thread. */
export function trainableGraphRecipe(config: TrainableGraphConfig): ModelRecipe {
  return { module: import.meta.url, exportName: 'buildTrainableGraph', config };
}
