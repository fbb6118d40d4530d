/**
 * The whole training step of an IR graph as one TensorFlow graph, run by one session call: forward in
 * training mode (batch statistics, running-statistics update), per-exit mean cross-entropy, symbolic
 * gradients (TF_AddGradients) of the exit-weighted total with respect to every trainable weight. Weights
 * and buffers are fed each step from the caller's values, so the session holds no state and the optimizer,
 * checkpoints and resume stay where they are (`src/run`). TensorFlow's executor then sees the whole step:
 * no per-op dispatch from JavaScript, and independent branches of a cell run on both cores.
 */
import { RanasError } from '../errors.ts';
import type { ModelGraph } from '../ir/types.ts';
import { TfGraph, type TfFeed, type TfOut, type TfSession } from '../engine/native/tf-graph.ts';
import type { NodeStat } from '../engine/native/step-stats.ts';
import { dropPathMask, type DropPathShard } from './drop-path.ts';
import { alphaNames, bufferNames } from './program.ts';
import { buildGraphNode, type GraphBuildContext } from './graph-ops.ts';
import { walkGraph } from '../ir/walk.ts';

/** Options of a step graph. */
export interface GraphStepOptions {
  graph: ModelGraph;
  exitWeights: number[];
  /** Batch size the graph is tuned for (any batch runs). Default 64. */
  batch?: number;
  /** Intra-op threads (default: TF_NUM_INTRAOP_THREADS, else TensorFlow's default) and inter-op threads (default 2). */
  intraThreads?: number;
  interThreads?: number;
}

/** The current values of the step's inputs. */
export interface StepValues {
  /** Trainable weights (and alphas) by name. */
  variables: ReadonlyMap<string, Float32Array>;
  /** Batch-norm running statistics by name. */
  buffers: ReadonlyMap<string, Float32Array>;
}

/** What a step returns. */
export interface StepResult {
  /** Gradients of the total (a mean over the batch) for each name asked for (zeros when no path leads to the loss). */
  grads: Map<string, Float32Array>;
  total: number;
  /** Per-exit mean cross-entropy. */
  terms: number[];
  /** Running statistics after the step. */
  buffers: Map<string, Float32Array>;
}

/** A built step graph and its session. */
export interface GraphStep {
  readonly variableNames: readonly string[];
  readonly bufferNames: readonly string[];
  run(x: Float32Array, shape: [number, number, number, number], labels: Int32Array, values: StepValues, gradNames: readonly string[], dropPath?: DropPathShard): StepResult;
  /** `run` traced by TensorFlow: also each executed node's timings (for profiles; slower than `run`). */
  profile(x: Float32Array, shape: [number, number, number, number], labels: Int32Array, values: StepValues, gradNames: readonly string[]): StepResult & { nodes: NodeStat[] };
  close(): void;
}

/** A fetched float tensor's values (fetched arrays are fresh copies; an int32 one is converted). */
function f32(data: Float32Array | Int32Array): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

function envThreads(): number {
  const v = Number(process.env.TF_NUM_INTRAOP_THREADS);
  return Number.isInteger(v) && v > 0 ? v : 0;
}

/** Builds the step graph of `o.graph` (throws `E_TF_GRAPH` when TensorFlow refuses an op or a gradient). */
export function buildGraphStep(o: GraphStepOptions): GraphStep {
  const { graph } = o;
  if (graph.inputs.length !== 1) throw new RanasError('E_IR_INPUTS', `graph ${graph.name} has ${graph.inputs.length} inputs; the step expects exactly 1 image input`);
  if (o.exitWeights.length !== graph.exits.length) throw new RanasError('E_TRAIN_EXIT_WEIGHTS', `expected one exit weight per exit (${graph.exits.length}), found ${o.exitWeights.length}`);
  const g = new TfGraph();
  const [input] = graph.inputs;
  const x = g.placeholder('float32', [-1, ...input.shape], 'x');
  const labels = g.placeholder('int32', [-1], 'labels');
  const alphas = alphaNames(graph);
  const bufferSet = bufferNames(graph);
  const fed = new Map<string, TfOut>();
  const consts = new Map<string, TfOut>();
  const variableNames: string[] = [];
  const buffersIn: string[] = [];
  for (const [name, w] of Object.entries(graph.weights)) {
    if (w.trainable || bufferSet.has(name)) {
      fed.set(name, g.placeholder('float32', w.shape, name));
      (w.trainable ? variableNames : buffersIn).push(name);
    }
  }
  const weight = (name: string): TfOut => {
    const t = fed.get(name) ?? consts.get(name);
    if (t) return t;
    const w = graph.weights[name];
    if (!w) throw new RanasError('E_IR_WEIGHT_MISSING', `weight ${name} is referenced but not in graph.weights`, { weight: name });
    const c = g.constF32(w.data, w.shape, name);
    consts.set(name, c);
    return c;
  };
  const bufferOut = new Map<string, TfOut>();
  const masks = new Map<string, { at: TfOut; rank: number }>();
  const softmaxes = new Map<string, TfOut>();
  const ctx: GraphBuildContext = {
    g,
    weight,
    batch: o.batch ?? 64,
    updateBuffer: (name, value) => { bufferOut.set(name, value); },
    dropPathMask: (site, rank) => {
      const at = g.placeholder('float32', [-1, ...Array.from({ length: rank - 1 }, () => 1)], `mask/${site}`);
      masks.set(site, { at, rank });
      return at;
    },
    softmax: (alpha) => {
      let s = softmaxes.get(alpha);
      if (!s) {
        if (!alphas.has(alpha)) throw new RanasError('E_IR_WEIGHT_MISSING', `alpha ${alpha} is not an architecture weight of graph ${graph.name}`);
        s = g.out('Softmax', [weight(alpha)], [['T', 'type', 'float32']], `softmax/${alpha}`);
        softmaxes.set(alpha, s);
      }
      return s;
    },
  };
  const { exits: logits } = walkGraph(graph, x, (node, ins) => buildGraphNode(node, ins, ctx));
  // Per exit: mean CE, and d total / d logits = w_k / N · (softmax − onehot), the scale fed per step.
  const scales = logits.map((_, k) => g.placeholder('float32', [], `scale${k}`));
  const ce = logits.map((l, k) => g.op('SparseSoftmaxCrossEntropyWithLogits', [l, labels], [['T', 'type', 'float32'], ['Tlabels', 'type', 'int32']], `ce${k}`));
  const terms = ce.map((op, k) => g.out('Mean', [[op, 0], g.constI32([0])], [['T', 'type', 'float32'], ['Tidx', 'type', 'int32'], ['keep_dims', 'bool', false]], `term${k}`));
  const dLogits = ce.map((op, k) => g.out('Mul', [[op, 1], scales[k]], [['T', 'type', 'float32']], `dlogits${k}`));
  const xs = variableNames.map((n) => fed.get(n) ?? x);
  const grads = g.gradients(logits, xs, dLogits);
  const gradOf = new Map(variableNames.map((n, i) => [n, grads[i]]));
  const trainable = new Set(variableNames);
  const bufferList = buffersIn.filter((n) => bufferOut.has(n));
  const session: TfSession = g.session(o.intraThreads ?? envThreads(), o.interThreads ?? 2);
  const sizeOf = (n: string) => graph.weights[n]?.data.length ?? 0;

  const exec = (xData: Float32Array, shape: [number, number, number, number], labelData: Int32Array, current: StepValues, gradNames: readonly string[], dropPath: DropPathShard | undefined, trace: boolean) => {
    const rows = shape[0];
    const feeds: TfFeed[] = [
      { at: x, shape, data: xData },
      { at: labels, shape: [rows], data: labelData },
      ...scales.map((at, k) => ({ at, shape: [], data: Float32Array.of(o.exitWeights[k] / rows) })),
    ];
    for (const [name, at] of fed) {
      const data = current.variables.get(name) ?? current.buffers.get(name);
      if (!data) throw new RanasError('E_UNKNOWN_VARIABLE', `the step needs a value for ${name}; none was given`);
      feeds.push({ at, shape: graph.weights[name].shape, data });
    }
    for (const [site, m] of masks) {
      const data = dropPath && dropPath.prob > 0 ? dropPathMask(dropPath, site, rows) : new Float32Array(rows).fill(1);
      feeds.push({ at: m.at, shape: [rows, ...Array.from({ length: m.rank - 1 }, () => 1)], data });
    }
    const wanted = gradNames.map((n) => {
      if (!trainable.has(n)) throw new RanasError('E_UNKNOWN_VARIABLE', `gradients asked for variable ${n}; the model has no such variable`);
      return n;
    });
    const withGrad = wanted.filter((n) => gradOf.get(n) !== undefined);
    const fetches: TfOut[] = [...terms, ...withGrad.map((n) => gradOf.get(n) ?? x), ...bufferList.map((n) => bufferOut.get(n) ?? x)];
    const { values: out, nodes } = session.runTraced(feeds, fetches, [], trace);
    const termValues = terms.map((_, k) => out[k].data[0]);
    const gradMap = new Map<string, Float32Array>();
    for (const n of wanted) gradMap.set(n, new Float32Array(sizeOf(n)));
    withGrad.forEach((n, i) => gradMap.set(n, f32(out[terms.length + i].data)));
    const bufferMap = new Map<string, Float32Array>();
    bufferList.forEach((n, i) => bufferMap.set(n, f32(out[terms.length + withGrad.length + i].data)));
    const total = termValues.reduce((s, t, k) => s + o.exitWeights[k] * t, 0);
    return { grads: gradMap, total, terms: termValues, buffers: bufferMap, nodes };
  };
  return {
    variableNames,
    bufferNames: bufferList,
    run: (xData, shape, labelData, current, gradNames, dropPath) => {
      const { nodes: _, ...result } = exec(xData, shape, labelData, current, gradNames, dropPath, false);
      return result;
    },
    profile: (xData, shape, labelData, current, gradNames) => exec(xData, shape, labelData, current, gradNames, undefined, true),
    close: () => session.close(),
  };
}
