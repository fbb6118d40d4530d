/**
 * Search benchmark: the tiny-preset supernet exactly as `ranas search --preset tiny` builds and runs it (the
 * bilevel loop of `src/search/search-loop.ts`, first order, one alpha step then one weight step per step, SGD
 * update and variable assignment included) on generated CIFAR-shaped data, at one batch size.
 *
 * Prints the acceptance figures of issue 4: ms and img/s of the weight steps and of the alpha steps (timed
 * apart by the loop; the first step, which pays every kernel's first-use cost, is reported apart and left out
 * of the means), the projected search epoch on a 10,000-image subset (two halves of 5,000: ⌊5000 / batch⌋
 * steps, each one weight and one alpha step) against the 15-minute target, and peak RSS. Then kernel calls per
 * step and the kernels that take the time (tf.profile of one weight step).
 *
 *   node --import tsx bench/search.ts [batch=32] [steps=3]
 */
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { BatchIterator } from '../src/data/batch-iterator.ts';
import { splitTrainVal } from '../src/data/splits.ts';
import { syntheticDataset } from '../src/data/synthetic.ts';
import { initEngine } from '../src/engine/backend.ts';
import { tf } from '../src/engine/tf.ts';
import { alphaNames } from '../src/exec/program.ts';
import { buildTrainableGraph } from '../src/exec/trainable-graph.ts';
import { buildMsRanasSupernet } from '../src/model/supernet.ts';
import { DARTS_ALPHA_ADAM } from '../src/search/adam.ts';
import { searchLoop } from '../src/search/search-loop.ts';
import { SEARCH_DEFAULTS, searchSupernetConfig } from '../src/search/search-options.ts';
import { iteratorSource } from '../src/run/batch-source.ts';
import { singleThread } from '../src/engine/single-thread.ts';
import { formatTable } from '../src/text-table.ts';

const batch = Number(process.argv[2] ?? 32);
const steps = Number(process.argv[3] ?? 3);
/** The acceptance setting: a 10,000-image subset split 50/50, a 15-minute epoch. */
const HALF_IMAGES = 5000;
const TARGET_MIN = 15;

const engine = await initEngine();
const graph = buildMsRanasSupernet(searchSupernetConfig({ preset: 'tiny', nodes: 2, searchExits: true, seed: 0 }));
const dp = singleThread(buildTrainableGraph({ graph, exitWeights: graph.exits.map(() => 1) }));
const alphas = [...alphaNames(graph)].sort();
const weights = [...dp.model.variables.keys()].filter((n) => !alphas.includes(n));
const rssGiB = () => process.memoryUsage().rss / 2 ** 30;

// Enough generated images that the measured steps stay inside one epoch (no epoch-end checkpoint).
const halves = splitTrainVal(syntheticDataset({ count: 2 * batch * (steps + 3), seed: 1 }), 0.5, 17);
const source = (ds: typeof halves.train, seed: number) => iteratorSource(new BatchIterator(ds, { batchSize: batch, seed, augment: { cutoutPx: 0 } }));
const checkpointPath = join(tmpdir(), `ranas-bench-search-${process.pid}.bin`);
const timings: { weightMs: number; alphaMs: number }[] = [];
let peak = rssGiB();
const d = SEARCH_DEFAULTS;
await searchLoop({
  engine: dp, train: source(halves.train, 0), val: source(halves.val, 1), alphaNames: alphas,
  hyper: {
    epochs: 1, batchSize: batch, lr: d.lr, lrMin: d.lrMin, momentum: d.momentum, weightDecay: d.weightDecay, gradClipNorm: d.gradClip,
    alpha: { ...DARTS_ALPHA_ADAM, lr: d.alphaLr, weightDecay: d.alphaWeightDecay }, secondOrder: false, warmupEpochs: 0, checkpointEverySteps: 0,
  },
  checkpointPath, resume: false, stopAtStep: steps + 1,
  onStep: (s) => {
    timings.push({ weightMs: s.weightMs, alphaMs: s.alphaMs });
    peak = Math.max(peak, rssGiB());
  },
});
rmSync(checkpointPath, { force: true });

const [first, ...measured] = timings;
const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
const weightMs = mean(measured.map((t) => t.weightMs));
const alphaMs = mean(measured.map((t) => t.alphaMs));
const epochSteps = Math.floor(HALF_IMAGES / batch);
const epochMin = (epochSteps * (weightMs + alphaMs)) / 60000;
const ips = (ms: number) => Math.round((batch * 10000) / ms) / 10;
console.log(formatTable([
  { what: 'weight step (fwd+bwd w.r.t. weights, clip, SGD, assign)', ms: Math.round(weightMs), imgPerSec: ips(weightMs) },
  { what: 'alpha step (fwd+bwd w.r.t. alphas, first order, Adam, assign)', ms: Math.round(alphaMs), imgPerSec: ips(alphaMs) },
  { what: `first step, weight + alpha (first use of every kernel; not in the means)`, ms: Math.round(first.weightMs + first.alphaMs), imgPerSec: '' },
  { what: `ACCEPTANCE projected epoch, 10k subset: ${epochSteps} steps x (weight + alpha), minutes (target <= ${TARGET_MIN})`, ms: '', imgPerSec: Math.round(epochMin * 100) / 100 },
  { what: `ACCEPTANCE peak RSS GiB at batch ${batch} (target <= 4)`, ms: '', imgPerSec: Math.round(peak * 100) / 100 },
]));
console.log(`projected epoch ${epochMin <= TARGET_MIN ? 'meets' : 'MISSES'} the ${TARGET_MIN}-minute target (${(TARGET_MIN / epochMin).toFixed(2)}x margin)`);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
console.log(`engine ${engine.backend}; ${graph.nodes.length} nodes; batch ${batch}; ${measured.length} steps after 1 warm-up step`);

// Kernel calls of one weight step and one alpha step, and the kernels that take a weight step's time.
const xt = tf.tensor4d(Float32Array.from({ length: batch * 32 * 32 * 3 }, (_, i) => Math.sin(i * 0.731)), [batch, 32, 32, 3]);
const lt = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % 10), 'int32');
const profileStep = (names: string[]) => {
  const vars = names.map((n) => dp.model.variables.get(n)).filter((v): v is tf.Variable => v !== undefined);
  return tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => dp.model.loss(xt, lt).total, vars);
    return [value, ...Object.values(grads)];
  });
};
// tf.profile returns the engine's one profile object, so count before profiling again.
const calls = (p: Awaited<ReturnType<typeof tf.profile>>) => p.kernels.filter((k) => k.name !== 'Identity').length;
const alphaCalls = calls(await profileStep(alphas));
const prof = await profileStep(weights);
console.log(`kernel calls per step (Identity, a reference-count bump, left out): weight ${calls(prof)}, alpha ${alphaCalls}`);
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of prof.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  byKernel.set(k.name, { ms: e.ms + ms, calls: e.calls + 1 });
}
const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
const rows = [...byKernel.entries()].sort((p, q) => q[1].ms - p[1].ms).slice(0, 15)
  .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: Math.round(e.ms), share: `${((100 * e.ms) / total).toFixed(1)} %` }));
console.log(formatTable(rows));
console.log(`profiled weight step: ${Math.round(total)} ms in kernels (nested kernels counted in their parent too)`);
await dp.dispose();
