/**
 * Executes a `ModelGraph` on tfjs for training and inference. Weights become tf variables:
 *  - trainable weights → `variables` (kind `weight`, or `alpha` for architecture parameters named by a
 *    mixedOp's `attrs.alpha`, so the search can tell them apart through `variableKinds`);
 *  - non-trainable weights that a training forward pass updates (batch-norm running statistics) → `buffers`.
 * Nodes run in the graph's (topological) order through the `opExecutors` table.
 */
import { tf } from '../engine/tf.ts';
import { RanasError } from '../errors.ts';
import type { IrNode, ModelGraph, WeightTensor } from '../ir/types.ts';
import { executeNode, type ExecContext } from './op-executors.ts';
import { walkGraph } from '../ir/walk.ts';
import type { DropPathShard } from './drop-path.ts';

/** What a trainable variable is for. */
export type VariableKind = 'weight' | 'alpha';

/** Options of one forward pass. */
export interface ForwardOptions {
  /** Training mode (batch statistics, running averages updated). Default false. */
  training?: boolean;
  /** Names of intermediate tensors (node names or graph inputs) to return beside the exits. */
  capture?: string[];
  /** Drop-path of this training step (ignored unless `training`). */
  dropPath?: DropPathShard;
}

/** Result of one forward pass. */
export interface ForwardResult {
  /** Logits [N, classes] of each exit, in `graph.exits` order. */
  exits: tf.Tensor2D[];
  /** Captured tensors by name (only those asked for). */
  captured: Map<string, tf.Tensor>;
}

/** A graph made executable. */
export interface Program {
  readonly graph: ModelGraph;
  /** Trainable variables by weight name (weights and architecture parameters). */
  readonly variables: Map<string, tf.Variable>;
  /** Kind of every trainable variable. */
  readonly variableKinds: Map<string, VariableKind>;
  /** Batch-norm running statistics by weight name. */
  readonly buffers: Map<string, tf.Variable>;
  /** Runs the graph on x [N, H, W, C]. Call inside `tf.tidy` (or dispose the results). */
  forward(x: tf.Tensor4D, opts?: ForwardOptions): ForwardResult;
  /** Current weights (trainable and buffers) as IR weight tensors, shapes as in the graph. */
  exportWeights(): Record<string, WeightTensor>;
  /** Overwrites weights by name (e.g. from a checkpoint); unknown names are refused. */
  importWeights(weights: Record<string, { data: Float32Array }>): void;
  dispose(): void;
}

/** Names of architecture parameters: every weight named by a mixedOp's `attrs.alpha`. */
export function alphaNames(graph: ModelGraph): Set<string> {
  const names = new Set<string>();
  for (const node of graph.nodes) if (node.op === 'mixedOp') names.add(node.attrs.alpha);
  return names;
}

/** Weight names batch-norm nodes keep running statistics in. */
export function bufferNames(graph: ModelGraph): Set<string> {
  const names = new Set<string>();
  for (const node of graph.nodes) {
    if (node.op !== 'batchNorm') continue;
    if (node.weights.movingMean) names.add(node.weights.movingMean);
    if (node.weights.movingVariance) names.add(node.weights.movingVariance);
  }
  return names;
}

/** Makes a graph executable: one variable per weight, nodes run through the op table. */
export function createProgram(graph: ModelGraph): Program {
  const alphas = alphaNames(graph);
  const bufferSet = bufferNames(graph);
  const variables = new Map<string, tf.Variable>();
  const variableKinds = new Map<string, VariableKind>();
  const buffers = new Map<string, tf.Variable>();
  const constants = new Map<string, tf.Tensor>();
  for (const [name, w] of Object.entries(graph.weights)) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (size !== w.data.length) {
      throw new RanasError('E_IR_WEIGHT_SHAPE', `weight ${name} has shape [${w.shape.join(', ')}] (${size} values) but ${w.data.length} values`, { weight: name });
    }
    const t = tf.tensor(w.data, w.shape, 'float32');
    if (w.trainable) {
      variables.set(name, tf.variable(t, true));
      variableKinds.set(name, alphas.has(name) ? 'alpha' : 'weight');
      t.dispose();
    } else if (bufferSet.has(name)) {
      buffers.set(name, tf.variable(t, false));
      t.dispose();
    } else {
      constants.set(name, t);
    }
  }

  const lookup = (name: string): tf.Tensor => {
    const t = variables.get(name) ?? buffers.get(name) ?? constants.get(name);
    if (!t) throw new RanasError('E_IR_WEIGHT_MISSING', `weight ${name} is referenced but not in graph.weights`, { weight: name });
    return t;
  };

  // Constant ones/zeros vectors by kind and length (gamma and beta of non-affine batch-norms).
  const fills = new Map<string, tf.Tensor>();
  const constant = (kind: 'ones' | 'zeros', length: number): tf.Tensor => {
    const key = `${kind}:${length}`;
    let t = fills.get(key);
    if (!t) {
      t = tf.keep(kind === 'ones' ? tf.ones([length]) : tf.zeros([length]));
      fills.set(key, t);
    }
    return t;
  };

  // Tensors the fused batch-norm keeps for its backward pass; released at the next training forward.
  let held: tf.Tensor[] = [];

  function forward(x: tf.Tensor4D, opts: ForwardOptions = {}): ForwardResult {
    const training = opts.training ?? false;
    if (training) {
      tf.dispose(held);
      held = [];
    }
    const ctx: ExecContext = {
      training,
      dropPath: training ? opts.dropPath : undefined,
      holdUntilNextStep: (t) => { held.push(t); },
      constant,
      weight: lookup,
      assignBuffer: (name, value) => {
        const b = buffers.get(name);
        if (b) b.assign(value);
      },
    };
    if (graph.inputs.length !== 1) {
      throw new RanasError('E_IR_INPUTS', `graph ${graph.name} has ${graph.inputs.length} inputs; the executor expects exactly 1 image input`);
    }
    const [input] = graph.inputs;
    const want = input.shape;
    if (x.rank !== 4 || x.shape.slice(1).some((d, i) => d !== want[i])) {
      throw new RanasError('E_EXEC_INPUT_SHAPE', `input ${input.name} expected [N, ${want.join(', ')}], found [${x.shape.join(', ')}]`);
    }
    const walked = walkGraph<tf.Tensor>(graph, x, (node, ins) => runNode(node, ins, ctx));
    const values = walked.values;
    const exits = walked.exits as tf.Tensor2D[];
    const captured = new Map<string, tf.Tensor>();
    for (const name of opts.capture ?? []) {
      const t = values.get(name);
      if (!t) throw new RanasError('E_EXEC_CAPTURE', `cannot capture ${name}: no such tensor in graph ${graph.name}`);
      captured.set(name, t);
    }
    return { exits, captured };
  }

  return {
    graph,
    variables,
    variableKinds,
    buffers,
    forward,
    exportWeights() {
      const out: Record<string, WeightTensor> = {};
      for (const [name, w] of Object.entries(graph.weights)) {
        const v = variables.get(name) ?? buffers.get(name);
        out[name] = { shape: [...w.shape], trainable: w.trainable, data: v ? new Float32Array(v.dataSync()) : new Float32Array(w.data) };
      }
      return out;
    },
    importWeights(weights) {
      for (const [name, w] of Object.entries(weights)) {
        const v = variables.get(name) ?? buffers.get(name);
        if (!v) throw new RanasError('E_EXEC_WEIGHT_UNKNOWN', `cannot import weight ${name}: graph ${graph.name} has no such variable`, { weight: name });
        if (v.size !== w.data.length) {
          throw new RanasError('E_EXEC_WEIGHT_SHAPE', `weight ${name}: expected ${v.size} values, found ${w.data.length}`, { weight: name });
        }
        tf.tidy(() => v.assign(tf.tensor(w.data, v.shape, 'float32')));
      }
    },
    dispose() {
      tf.dispose(held);
      held = [];
      for (const v of variables.values()) v.dispose();
      for (const v of buffers.values()) v.dispose();
      for (const t of constants.values()) t.dispose();
      for (const t of fills.values()) t.dispose();
    },
  };
}

function runNode(node: IrNode, inputs: tf.Tensor[], ctx: ExecContext): tf.Tensor {
  return executeNode(node, inputs, ctx);
}
