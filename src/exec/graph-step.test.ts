/**
 * The graph step against the eager step (the engine's reference path, itself checked against PyTorch in
 * float64 by bench/train-presets.ts): same losses, gradients and running statistics, on graphs that hold
 * every IR op — dilated depthwise and dense convolutions (TensorFlow's C++ gradient drops the dilation, so a
 * graph built with `dilations` fails here), strided 1×1 max-pool, batch-norm on a padded channel count,
 * mixed ops with their alphas, drop-path masks — and on the tiny search supernet. Skipped when tfjs-node
 * does not load; a native engine without the graph addon fails (setup builds both).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { singleThread } from '../engine/single-thread.ts';
import { relativeL2, useNativeEngine } from '../engine/test-support.ts';
import { syntheticBatch } from '../engine/synthetic-batch.ts';
import { graphAddonAvailable } from '../engine/native/tf-graph.ts';
import { isRanasError } from '../errors.ts';
import type { ModelGraph } from '../ir/types.ts';
import { buildMsRanasSupernet } from '../model/supernet.ts';
import { searchSupernetConfig } from '../search/search-options.ts';
import { graphEngine } from './graph-engine.ts';
import { buildGraphStep } from './graph-step.ts';
import { resolveExecutor } from './step-engine.ts';
import { parseExecutor } from './step-executors.ts';
import { tinyGraph } from './tiny-graph.ts';
import { buildTrainableGraph } from './trainable-graph.ts';
import type { StepSettings } from '../engine/data-parallel-types.ts';

const native = useNativeEngine();

/** A 1×1 strided max-pool (a subsample) and a rank-2 batch-norm appended to `g`'s second exit path. */
function withSubsampleAndDenseBn(g: ModelGraph): ModelGraph {
  const nodes = g.nodes.filter((n) => !n.name.startsWith('exit1/'));
  const c = 8;
  const weights = { ...g.weights };
  const fill = (name: string, shape: number[], v: number, trainable: boolean) => {
    weights[name] = { shape, trainable, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) };
    return name;
  };
  nodes.push(
    { name: 'sub', op: 'maxPool', inputs: ['b1/mix'], attrs: { kernel: [1, 1], strides: [2, 2], padding: 'same' }, weights: {} },
    { name: 'exit1/gap', op: 'globalAvgPool', inputs: ['sub'], attrs: {}, weights: {} },
    {
      name: 'exit1/bn', op: 'batchNorm', inputs: ['exit1/gap'], attrs: { epsilon: 1e-5, momentum: 0.9, affine: true },
      weights: { gamma: fill('exit1/bn/gamma', [c], 1.5, true), beta: fill('exit1/bn/beta', [c], 0.1, true), movingMean: fill('exit1/bn/mm', [c], 0, false), movingVariance: fill('exit1/bn/mv', [c], 1, false) },
    },
    { name: 'exit1/logits', op: 'dense', inputs: ['exit1/bn'], attrs: { units: 10, activation: 'relu' }, weights: { kernel: 'exit1/logits/kernel', bias: 'exit1/logits/bias' } },
  );
  return { ...g, nodes, weights };
}

interface Compared { terms: number; grads: number; buffers: number; worst: string }

/** One gradient computation by each engine from the same weights; relative differences. */
async function compare(graph: ModelGraph, batch: number, step: StepSettings = {}): Promise<Compared> {
  const config = { graph, exitWeights: graph.exits.map((_, k) => 1 + k / 2) };
  const eager = singleThread(buildTrainableGraph(config));
  const viaGraph = graphEngine(buildTrainableGraph(config), config, { batch });
  const [h, w, c] = graph.inputs[0].shape;
  const b = syntheticBatch(batch, 3, [h, w, c]);
  const names = [...eager.model.variables.keys()];
  const a = await eager.gradients(b.x, b.shape, b.labels, names, step);
  const g = await viaGraph.gradients(b.x, b.shape, b.labels, names, step);
  // Per tensor ‖Δ‖ / (‖g‖ + 1e-3·‖G‖): relative, except for gradients that are zero in exact arithmetic (a
  // bias or beta right before a batch-norm), which are float noise on both sides.
  const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
  const global = Math.sqrt(names.reduce((s, n) => s + norm(a.grads.get(n) ?? []) ** 2, 0));
  let worst = '';
  let grads = 0;
  for (const n of names) {
    const want = a.grads.get(n) ?? new Float32Array();
    const e = (relativeL2(g.grads.get(n) ?? [], want) * norm(want)) / (norm(want) + 1e-3 * global);
    if (e > grads) { grads = e; worst = n; }
  }
  // Running statistics: max |Δ| / max(max |v|, 0.01) (means of normalised inputs are rounding noise near 0).
  let buffers = 0;
  for (const [n, v] of eager.model.buffers) {
    const other = viaGraph.model.buffers.get(n);
    assert.ok(other, `buffer ${n} missing from the graph engine's model`);
    const want = v.dataSync();
    const got = other.dataSync();
    const scale = Math.max(0.01, ...Array.from(want, Math.abs));
    buffers = Math.max(buffers, ...Array.from(want, (x, i) => Math.abs(got[i] - x) / scale));
  }
  const terms = Math.max(...a.terms.map((t, k) => Math.abs(t - g.terms[k]) / Math.abs(t)), Math.abs(a.total - g.total) / Math.abs(a.total));
  await eager.dispose();
  await viaGraph.dispose();
  return { terms, grads, buffers, worst };
}

it('the graph addon is built wherever the native engine loads', (t) => {
  if (!native(t)) return;
  assert.ok(graphAddonAvailable(), 'tfjs-node loads but ranas_graph.node is missing: `ranas setup native` builds both');
});

it('graph step = eager step on every IR op (dilated convs, pools, padded batch-norm, mixed op, drop-path), within 1e-3', async (t) => {
  if (!native(t)) return;
  // width 6 at 16×16 with batch 64: 16,384 rows, so batch-norm runs on channels padded to 8.
  const cases: [string, ModelGraph, number, StepSettings][] = [
    ['tiny graph', tinyGraph({ size: 8, width: 8 }), 16, {}],
    ['mixed op + drop-path', tinyGraph({ size: 8, width: 8, withMixedOp: true, dropPath: true }), 16, { dropPath: { prob: 0.4, seed: 7 } }],
    ['padded batch-norm', tinyGraph({ size: 16, width: 6 }), 64, {}],
    ['subsample + rank-2 batch-norm', withSubsampleAndDenseBn(tinyGraph({ size: 8, width: 8, withMixedOp: true })), 16, {}],
  ];
  for (const [what, graph, batch, step] of cases) {
    const r = await compare(graph, batch, step);
    assert.ok(r.terms < 1e-5, `${what}: loss differs by ${r.terms.toExponential(2)} (relative)`);
    assert.ok(r.grads < 1e-3, `${what}: gradient of ${r.worst} differs by ${r.grads.toExponential(2)} (relative L2); expected < 1e-3`);
    assert.ok(r.buffers < 1e-5, `${what}: running statistics differ by ${r.buffers.toExponential(2)}`);
  }
});

it('graph step = eager step on the tiny search supernet (every primitive, alphas included)', async (t) => {
  if (!native(t)) return;
  const supernet = buildMsRanasSupernet(searchSupernetConfig({ preset: 'tiny', nodes: 2, searchExits: true, seed: 0 }));
  const r = await compare(supernet, 8);
  assert.ok(r.terms < 1e-5, `loss differs by ${r.terms.toExponential(2)}`);
  // Deep float32 graphs: both engines sit ~1e-3–1e-2 (relative L2) from a float64 reference on some
  // tensors (bench/train-presets.ts check); a dropped dilation puts whole tensors off by > 0.5.
  assert.ok(r.grads < 0.05, `gradient of ${r.worst} differs by ${r.grads.toExponential(2)}; expected < 0.05`);
  assert.ok(r.buffers < 1e-4, `running statistics differ by ${r.buffers.toExponential(2)}`);
});

it('the graph step refuses an unknown variable, a missing value and an alpha row out of range, by name', async (t) => {
  if (!native(t)) return;
  const graph = tinyGraph();
  const config = { graph, exitWeights: [1, 1] };
  const engine = graphEngine(buildTrainableGraph(config), config);
  const b = syntheticBatch(4, 1, [8, 8, 3]);
  await assert.rejects(engine.gradients(b.x, b.shape, b.labels, ['no/such/weight']), (e: unknown) => isRanasError(e, 'E_UNKNOWN_VARIABLE') && /no\/such\/weight/.test(String(e)));
  await engine.dispose();
  const mixed = tinyGraph({ withMixedOp: true });
  const badRow = { ...mixed, nodes: mixed.nodes.map((n) => (n.op === 'mixedOp' ? { ...n, attrs: { ...n.attrs, row: 5 } } : n)) };
  assert.throws(() => buildGraphStep({ graph: badRow, exitWeights: [1, 1] }), (e: unknown) => isRanasError(e, 'E_IR_SHAPE') && /b1\/mix/.test(String(e)) && /rows > 5/.test(String(e)));
  const step = buildGraphStep(config);
  assert.throws(() => step.run(b.x, b.shape, b.labels, { variables: new Map(), buffers: new Map() }, []),
    (e: unknown) => isRanasError(e, 'E_UNKNOWN_VARIABLE') && /needs a value for stem\/conv\/filter/.test(String(e)));
  step.close();
});

it('--executor: auto takes the graph only where it runs; graph where it cannot is an error naming why', () => {
  assert.deepEqual(resolveExecutor('auto', 'tensorflow', 1, () => true).executor, 'graph');
  assert.equal(resolveExecutor('auto', 'wasm', 1, () => true).executor, 'eager');
  assert.equal(resolveExecutor('auto', 'tensorflow', 2, () => true).executor, 'eager');
  assert.equal(resolveExecutor('auto', 'tensorflow', 1, () => false).executor, 'eager');
  assert.equal(resolveExecutor('eager', 'tensorflow', 1, () => true).executor, 'eager');
  assert.throws(() => resolveExecutor('graph', 'wasm', 1, () => true), (e: unknown) => isRanasError(e, 'E_TF_GRAPH') && /wasm/.test(String(e)));
  assert.throws(() => resolveExecutor('graph', 'tensorflow', 1, () => false), (e: unknown) => isRanasError(e, 'E_TF_GRAPH') && /setup native/.test(String(e)));
  assert.throws(() => parseExecutor('fast'), (e: unknown) => isRanasError(e, 'E_CLI_ARG') && /auto, graph, eager/.test(String(e)));
});

it('a traced step returns the same result and TensorFlow\'s per-node timings (step stats parsed from RunMetadata)', async (t) => {
  if (!native(t)) return;
  const graph = tinyGraph();
  const step = buildGraphStep({ graph, exitWeights: [1, 1], batch: 4 });
  const b = syntheticBatch(4, 2, [8, 8, 3]);
  const program = buildTrainableGraph({ graph, exitWeights: [1, 1] });
  const values = (m: Map<string, { dataSync(): ArrayLike<number> }>) => new Map([...m].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  const current = { variables: values(program.variables), buffers: values(program.buffers) };
  const names = [...program.variables.keys()];
  const plain = step.run(b.x, b.shape, b.labels, current, names);
  const traced = step.profile(b.x, b.shape, b.labels, current, names);
  assert.deepEqual(traced.terms, plain.terms);
  const types = new Set(traced.nodes.map((n) => n.type));
  assert.ok([...types].some((ty) => /Conv2DBackpropFilter/.test(ty)), `expected a conv filter gradient among the traced op types, found ${[...types].join(', ')}`);
  assert.ok(traced.nodes.every((n) => n.opMicros >= 0 && n.node !== ''), 'every node has a name and a non-negative time');
  step.close();
  program.dispose();
});
