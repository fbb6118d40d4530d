/**
 * ranas's side of `bench/train-presets.ts`, run in a child process per figure (so each starts clean, as a
 * user's `ranas train` does): the real training loop (`trainLoop` over `singleThread`) or the real search
 * loop (`searchLoop`, one alpha and one weight step per step) on an IR model folder; kernels per step and a
 * per-op-type profile of one step (`tf.profile`); and the numerics case the PyTorch interpreter compares
 * against (one training forward + gradients on a fixed batch).
 *
 *   node --import tsx bench/train-presets-ranas.ts train  MODEL_DIR BATCH SECONDS [--profile] [--replicas N] [--executor graph|eager]
 *   node --import tsx bench/train-presets-ranas.ts search MODEL_DIR BATCH STEPS [--replicas N] [--executor graph|eager]
 *   node --import tsx bench/train-presets-ranas.ts case   MODEL_DIR CASE_DIR BATCH [--executor graph|eager]
 * `--executor` as `ranas train --executor` (default auto: the graph step when the addon is built; the
 * per-op profile is of the eager step, the graph's kernels run inside one session call).
 * Each prints one JSON line.
 */
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { initEngine } from '../src/engine/backend.ts';
import { tf } from '../src/engine/tf.ts';
import { syntheticBatch } from '../src/engine/synthetic-batch.ts';
import { mulberry32, randomFloats } from '../src/engine/seeded-random.ts';
import type { ModelGraph } from '../src/ir/types.ts';
import { loadModel } from '../src/ir/serialize.ts';
import { alphaNames } from '../src/exec/program.ts';
import { buildTrainableGraph, exitWeightedLoss, type TrainableGraph } from '../src/exec/trainable-graph.ts';
import { createStepEngine, prepareExecutor } from '../src/exec/step-engine.ts';
import { parseExecutor } from '../src/exec/step-executors.ts';
import { buildGraphStep } from '../src/exec/graph-step.ts';
import { trainLoop } from '../src/train/train-loop.ts';
import { TRAIN_DEFAULTS } from '../src/train/train-options.ts';
import { repeatedSource } from '../src/run/batch-source.ts';
import { searchLoop } from '../src/search/search-loop.ts';
import { SEARCH_DEFAULTS } from '../src/search/search-options.ts';
import { DARTS_ALPHA_ADAM } from '../src/search/adam.ts';

type Batch = ReturnType<typeof syntheticBatch>;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One profiled step: kernel calls (Identity apart), wall ms, and ms/calls by kernel name. */
async function profileStep(model: TrainableGraph, batch: Batch, names: string[]) {
  const xt = tf.tensor4d(batch.x, batch.shape);
  const lt = tf.tensor1d(batch.labels, 'int32');
  const vars = names.map((n) => model.variables.get(n)).filter((v): v is tf.Variable => v !== undefined);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => model.loss(xt, lt).total, vars);
    return [value, ...Object.values(grads)];
  };
  tf.dispose(step()); // warm
  const t0 = performance.now();
  const plain = step();
  await plain[0].data();
  const wallMs = performance.now() - t0;
  tf.dispose(plain);
  const prof = await tf.profile(step);
  const byKernel: Record<string, { ms: number; calls: number }> = {};
  let identity = 0;
  for (const k of prof.kernels) {
    if (k.name === 'Identity') identity++;
    const e = (byKernel[k.name] ??= { ms: 0, calls: 0 });
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls += 1;
  }
  tf.dispose(prof.result);
  tf.dispose([xt, lt]);
  return { kernels: prof.kernels.length - identity, identity, wallMs, byKernel };
}

/** The engine `ranas train`/`ranas search` would build for these options, and the executor it uses. */
async function runEngine(graph: ModelGraph, replicas: number, batch: number) {
  const info = await initEngine(undefined, { replicas });
  const recipe = { graph, exitWeights: graph.exits.map(() => 1) };
  const { executor } = await prepareExecutor(executorArg, info.backend, replicas);
  const engine = await createStepEngine(recipe, { executor, replicas, batch });
  const backend = info.backend;
  // The profile (and kernel count) is of the eager step on its own model: the graph's ops run inside one call.
  return { engine, executor, backend, model: executor === 'eager' && replicas === 1 ? engine.model as TrainableGraph : buildTrainableGraph(recipe) };
}

/**
 * One traced graph step (after two untraced ones): wall time, TensorFlow's own time per op type (kernel time
 * summed over nodes, which overlaps across the inter-op threads), and the number of nodes executed.
 */
function profileGraphStep(graph: ModelGraph, batch: Batch, model: TrainableGraph) {
  const step = buildGraphStep({ graph, exitWeights: graph.exits.map(() => 1), batch: batch.shape[0] });
  const values = (m: Map<string, tf.Variable>) => new Map([...m].map(([n, v]) => [n, new Float32Array(v.dataSync())]));
  const current = { variables: values(model.variables), buffers: values(model.buffers) };
  const names = [...model.variables.keys()];
  step.run(batch.x, batch.shape, batch.labels, current, names);
  const t0 = performance.now();
  step.run(batch.x, batch.shape, batch.labels, current, names);
  const wallMs = performance.now() - t0;
  const traced = step.profile(batch.x, batch.shape, batch.labels, current, names);
  step.close();
  const byType: Record<string, { ms: number; calls: number }> = {};
  for (const n of traced.nodes) {
    const e = (byType[n.type || n.node] ??= { ms: 0, calls: 0 });
    e.ms += n.opMicros / 1000;
    e.calls += 1;
  }
  const first = Math.min(...traced.nodes.map((n) => n.startMicros));
  const last = Math.max(...traced.nodes.map((n) => n.startMicros + n.allMicros));
  return { wallMs, tracedSpanMs: (last - first) / 1000, nodes: traced.nodes.length, byType };
}

async function train(modelDir: string, batchSize: number, seconds: number, profile: boolean, replicas: number) {
  const graph = loadModel(modelDir);
  // `ranas train --replicas N`: N data-parallel replicas (worker threads), the batch split between them.
  const { engine, executor, backend, model } = await runEngine(graph, replicas, batchSize);
  const batch = syntheticBatch(batchSize);
  const run = (steps: number) => trainLoop({
    engine, source: repeatedSource(batch),
    hyper: {
      epochs: 1, batchSize, lr: TRAIN_DEFAULTS.lr, lrMin: TRAIN_DEFAULTS.lrMin, momentum: TRAIN_DEFAULTS.momentum,
      weightDecay: TRAIN_DEFAULTS.weightDecay, gradClipNorm: TRAIN_DEFAULTS.gradClip, checkpointEverySteps: 0,
    },
    checkpointPath: join(tmpdir(), 'ranas-train-presets-never-written.bin'), resume: false, stopAtStep: steps,
  });
  await run(2); // warm-up: kernel set-up, operator caches, JIT
  const calibration = await run(1);
  const steps = Math.max(2, Math.ceil(seconds / calibration.seconds));
  const c0 = cpuMs();
  const t0 = performance.now();
  await run(steps);
  const wall = performance.now() - t0;
  const cpu = cpuMs() - c0;
  const prof = await profileStep(model, batch, [...model.variables.keys()]);
  const graphProfile = profile && executor === 'graph' ? profileGraphStep(graph, batch, model) : undefined;
  return {
    backend, executor, trainingImgPerSec: (steps * batchSize * 1000) / wall, trainingImgPerCpuSec: (steps * batchSize * 1000) / cpu, steps,
    kernelsPerStep: prof.kernels, identityPerStep: prof.identity, profile: profile ? prof : undefined, graphProfile,
  };
}

async function search(modelDir: string, batchSize: number, steps: number, replicas: number) {
  const graph = loadModel(modelDir);
  // `ranas search --replicas N`: weight and alpha steps split over N data-parallel replicas.
  const { engine, executor, model } = await runEngine(graph, replicas, batchSize);
  const alphas = [...alphaNames(graph)].sort();
  const batch = syntheticBatch(batchSize);
  const timings: { weightMs: number; alphaMs: number }[] = [];
  const d = SEARCH_DEFAULTS;
  const checkpointPath = join(tmpdir(), `ranas-train-presets-search-${process.pid}.bin`);
  const c0 = cpuMs();
  await searchLoop({
    engine, train: repeatedSource(batch), val: repeatedSource(syntheticBatch(batchSize, 5)), alphaNames: alphas,
    hyper: {
      epochs: 1, batchSize, lr: d.lr, lrMin: d.lrMin, momentum: d.momentum, weightDecay: d.weightDecay, gradClipNorm: d.gradClip,
      alpha: { ...DARTS_ALPHA_ADAM, lr: d.alphaLr, weightDecay: d.alphaWeightDecay }, secondOrder: false, warmupEpochs: 0, checkpointEverySteps: 0,
    },
    checkpointPath, resume: false, stopAtStep: steps + 1,
    onStep: (s) => { timings.push({ weightMs: s.weightMs, alphaMs: s.alphaMs }); },
  });
  const cpu = cpuMs() - c0;
  rmSync(checkpointPath, { force: true });
  const measured = timings.slice(1);
  const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
  const weightMs = mean(measured.map((t) => t.weightMs));
  const alphaMs = mean(measured.map((t) => t.alphaMs));
  const weights = [...model.variables.keys()].filter((n) => !alphas.includes(n));
  const wp = await profileStep(model, batch, weights);
  const ap = await profileStep(model, batch, alphas);
  const totalMs = timings.reduce((s, t) => s + t.weightMs + t.alphaMs, 0);
  return {
    executor, weightImgPerSec: (batchSize * 1000) / weightMs, alphaImgPerSec: (batchSize * 1000) / alphaMs,
    stepImgPerCpuSec: (timings.length * batchSize * 1000) / cpu * (totalMs > 0 ? 1 : 0),
    weightKernelsPerStep: wp.kernels, alphaKernelsPerStep: ap.kernels,
  };
}

/** A seeded batch shaped for `graph`'s input, labels below its first exit's class count. */
function graphBatch(graph: ModelGraph, n: number, seed: number): Batch {
  const [h, w, c] = graph.inputs[0].shape;
  const exit = graph.nodes.find((node) => node.name === graph.exits[0].tensor);
  const classes = exit?.op === 'dense' ? exit.attrs.units : 10;
  const rand = mulberry32(seed);
  return { x: randomFloats(rand, n * h * w * c), shape: [n, h, w, c], labels: Int32Array.from({ length: n }, () => Math.floor(rand() * classes)) };
}

/** One training forward and its gradients on a fixed batch, written for `torch-ir-net.py check`. */
async function writeCase(modelDir: string, caseDir: string, batchSize: number) {
  await initEngine();
  const graph = loadModel(modelDir);
  const model = buildTrainableGraph({ graph, exitWeights: graph.exits.map(() => 1) });
  const batch = graphBatch(graph, batchSize, 11);
  const xt = tf.tensor4d(batch.x, batch.shape);
  const lt = tf.tensor1d(batch.labels, 'int32');
  const names = [...model.variables.keys()];
  let exits: Float32Array[] = [];
  let exitShapes: number[][] = [];
  // The graph step's gradients, loss and running statistics (its exits are the eager forward's: the step
  // fetches no logits), from the same starting weights and buffers.
  const initial = (m: Map<string, tf.Variable>) => new Map([...m].map(([n, v]) => [n, new Float32Array(v.dataSync())]));
  const graphStep = (await prepareExecutor(executorArg, (await initEngine()).backend, 1)).executor === 'graph' ? buildGraphStep({ graph, exitWeights: graph.exits.map(() => 1), batch: batchSize })
    .run(batch.x, batch.shape, batch.labels, { variables: initial(model.variables), buffers: initial(model.buffers) }, names) : undefined;
  const { value, grads } = tf.variableGrads(() => {
    const { exits: logits } = model.program.forward(xt, { training: true });
    exits = logits.map((l) => new Float32Array(l.dataSync()));
    exitShapes = logits.map((l) => l.shape);
    return exitWeightedLoss(logits, lt, graph.exits.map(() => 1)).total;
  }, names.map((n) => model.variables.get(n)).filter((v): v is tf.Variable => v !== undefined));
  const gradOf = (n: string): Float32Array => {
    const fromGraph = graphStep?.grads.get(n);
    if (fromGraph) return fromGraph;
    const v = model.variables.get(n);
    const g = v ? grads[v.name] : undefined;
    return g ? new Float32Array(g.dataSync()) : new Float32Array(v?.size ?? 0);
  };
  const parts: Uint8Array[] = [];
  let offset = 0;
  const put = (data: Float32Array | Int32Array, shape: number[]) => {
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    parts.push(bytes);
    const entry = { shape, byteOffset: offset, byteLength: bytes.length };
    offset += bytes.length;
    return entry;
  };
  const doc = {
    x: put(batch.x, batch.shape), labels: put(batch.labels, [batchSize]),
    exits: exits.map((e, i) => put(e, exitShapes[i])),
    loss: graphStep?.total ?? value.dataSync()[0],
    grads: Object.fromEntries(names.map((n) => [n, put(gradOf(n), model.variables.get(n)?.shape ?? [0])])),
    buffers: Object.fromEntries([...model.buffers].map(([n, b]) => [n, put(graphStep?.buffers.get(n) ?? new Float32Array(b.dataSync()), b.shape)])),
  };
  mkdirSync(caseDir, { recursive: true });
  writeFileSync(join(caseDir, 'case.bin'), Buffer.concat(parts));
  writeFileSync(join(caseDir, 'case.json'), JSON.stringify(doc));
  return { written: caseDir, gradients: names.length, executor: graphStep ? 'graph' : 'eager' };
}

const [cmd, modelDir, ...rest] = process.argv.slice(2);
const replicasArg = rest.includes('--replicas') ? Number(rest[rest.indexOf('--replicas') + 1]) : 1;
const executorArg = parseExecutor(rest.includes('--executor') ? rest[rest.indexOf('--executor') + 1] : 'auto');
const out = cmd === 'train' ? await train(modelDir, Number(rest[0]), Number(rest[1]), rest.includes('--profile'), replicasArg)
  : cmd === 'search' ? await search(modelDir, Number(rest[0]), Number(rest[1]), replicasArg)
    : cmd === 'case' ? await writeCase(modelDir, rest[0], Number(rest[1]))
      : (() => { throw new Error(`command '${cmd}' is unknown; expected train, search or case`); })();
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
