/**
 * Search benchmark: the tiny-preset supernet (as `ranas search --preset tiny` builds it) at one batch size.
 * Prints a table: RSS after building, ms and img/s of a weight step (d loss / d weights on a train batch) and
 * of a first-order alpha step (d loss / d alphas on a val batch), and the kernels that take the time
 * (tf.profile, summed by kernel name over one weight step).
 *
 *   npx tsx bench/search.ts [batch=32] [steps=3]
 */
import { initEngine } from '../src/engine/backend.ts';
import { tf } from '../src/engine/tf.ts';
import { alphaNames } from '../src/exec/program.ts';
import { buildTrainableGraph } from '../src/exec/trainable-graph.ts';
import { buildMsRanasSupernet } from '../src/model/supernet.ts';
import { searchSupernetConfig } from '../src/search/search-options.ts';
import { singleThread } from '../src/train/gradient-engine.ts';
import { formatTable } from '../src/cli/table.ts';

const batch = Number(process.argv[2] ?? 32);
const steps = Number(process.argv[3] ?? 3);
const engine = await initEngine();
const graph = buildMsRanasSupernet(searchSupernetConfig({ preset: 'tiny', nodes: 2, searchExits: true, seed: 0 }));
const dp = singleThread(buildTrainableGraph({ graph, exitWeights: graph.exits.map(() => 1) }));
const alphas = [...alphaNames(graph)];
const weights = [...dp.model.variables.keys()].filter((n) => !alphas.includes(n));
const x = Float32Array.from({ length: batch * 32 * 32 * 3 }, (_, i) => Math.sin(i * 0.731));
const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
const shape: [number, number, number, number] = [batch, 32, 32, 3];
const rssGiB = () => process.memoryUsage().rss / 2 ** 30;

/** Wall and CPU (all threads of this process) milliseconds of one gradient computation. */
const time = async (names: string[]) => {
  const t = performance.now();
  const c = process.cpuUsage();
  await dp.gradients(x, shape, labels, names);
  const d = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (d.user + d.system) / 1000 };
};
await time(weights); // warm-up
let peak = rssGiB();
const w: { wall: number; cpu: number }[] = [];
const a: { wall: number; cpu: number }[] = [];
for (let i = 0; i < steps; i++) {
  w.push(await time(weights));
  peak = Math.max(peak, rssGiB());
  a.push(await time(alphas));
  peak = Math.max(peak, rssGiB());
}
const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
const row = (what: string, v: { wall: number; cpu: number }[]) => {
  const wall = mean(v.map((t) => t.wall));
  const cpu = mean(v.map((t) => t.cpu));
  return { what, wallMs: Math.round(wall), cpuMs: Math.round(cpu), imgPerSec: Math.round((batch * 10000) / wall) / 10, imgPerCpuSec: Math.round((batch * 10000) / cpu) / 10 };
};
console.log(formatTable([
  row('weight step (fwd+bwd, weights)', w),
  row('alpha step (fwd+bwd, alphas, first order)', a),
  { what: `peak RSS GiB (batch ${batch})`, wallMs: '', cpuMs: '', imgPerSec: Math.round(peak * 100) / 100, imgPerCpuSec: '' },
]));
console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
console.log(`engine ${engine.backend}; ${graph.nodes.length} nodes; batch ${batch}; ${steps} steps after 1 warm-up`);

// Per-kernel profile of one weight step.
const xt = tf.tensor4d(x, shape);
const lt = tf.tensor1d(labels, 'int32');
const vars = weights.map((n) => dp.model.variables.get(n)).filter((v): v is tf.Variable => v !== undefined);
const prof = await tf.profile(() => {
  const { value, grads } = tf.variableGrads(() => dp.model.loss(xt, lt).total, vars);
  return [value, ...Object.values(grads)];
});
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
console.log(`profiled weight step: ${Math.round(total)} ms in kernels, ${prof.kernels.length} kernel calls`);
await dp.dispose();
