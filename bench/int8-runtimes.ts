/**
 * int8 vs fp32 in every runtime the Node agent can use, batch 1: runtime x precision x threads, median and
 * p99 of N runs of the full path (chained segments with the agent's hand-off copies) and of each segment,
 * for the bundles of one or more `ranas export --int8` folders (e.g. the tiny and small presets). Beside
 * each int8 ONNX segment: convolutions onnxruntime fused into integer kernels / all convolutions (read from
 * its optimised graph). Contenders are interleaved run by run (round robin), so machine load falls on all
 * alike; the load average is printed with the table.
 *
 *   node --import tsx bench/int8-runtimes.ts <export dir> [<export dir> …] [--runs 1000] [--threads 1,2]
 *        [--tf-python /work/venv-tf/bin/python]
 *
 * With --tf-python (a Python with TensorFlow), each TFLite segment also shows its XNNPACK partition count
 * in TensorFlow's interpreter (bench/tflite-partitions.py), e.g. `p4` = 4 partitions.
 *
 * Runtimes: tflite = tfjs-tflite-node (TFLite 2.9 C API, its default CPU kernels), onnx = onnxruntime-node
 * (CPU execution provider, all graph optimisations).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBundleManifest } from '../src/bundle-format/parse-manifest.ts';
import type { BundleManifest } from '../src/bundle-format/manifest.ts';
import { wireChain, type Chain } from '../device/scheduler/chain.ts';
import { onnxRuntime } from '../device/runtimes/onnx-runtime.ts';
import { tfliteRuntime } from '../device/runtimes/tflite-runtime.ts';
import type { Runtime } from '../device/runtimes/runtime.ts';
import { quantile } from '../device/profiler.ts';
import { countOps, ortOptimizedGraph } from '../converters/onnx/ort-optimized.ts';

type RuntimeName = BundleManifest['runtime'];
const RUNTIMES: Record<RuntimeName, (threads: number) => Runtime> = {
  tflite: (threads) => tfliteRuntime({ threads }),
  onnx: (threads) => onnxRuntime({ threads }),
};

interface Contender {
  model: string;
  runtime: RuntimeName;
  precision: string;
  threads: number;
  chain: Chain;
  full: Float64Array;
  segments: Float64Array[];
  fused: string[];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const dirs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const runs = Number(arg('runs', '1000'));
const warmups = Math.max(20, Math.round(runs / 20));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const tfPython = arg('tf-python', '');
const bundleNames = arg('bundles', 'tflite-fp32,tflite-int8,onnx-fp32,onnx-int8').split(',');
if (dirs.length === 0) {
  console.error('usage: node --import tsx bench/int8-runtimes.ts <export dir>… [--runs 1000] [--threads 1,2] [--bundles tflite-int8,onnx-int8,…]');
  process.exit(2);
}

const contenders: Contender[] = [];
for (const dir of dirs) {
  const model = path.basename(path.resolve(dir));
  for (const name of bundleNames) {
    const bdir = path.join(dir, name);
    if (!existsSync(path.join(bdir, 'manifest.json'))) continue;
    const manifest = parseBundleManifest(JSON.parse(readFileSync(path.join(bdir, 'manifest.json'), 'utf8')));
    const fused: string[] = [];
    for (const seg of manifest.segments) {
      const bytes = readFileSync(path.join(bdir, seg.file));
      if (manifest.runtime === 'onnx' && manifest.precision === 'int8') {
        const g = await ortOptimizedGraph(bytes);
        fused.push(`${g.integerConvs}/${countOps(bytes).Conv ?? 0}`);
      } else if (manifest.runtime === 'tflite' && tfPython) {
        const script = path.join(import.meta.dirname, 'tflite-partitions.py');
        const r = spawnSync(tfPython, [script, path.join(bdir, seg.file)], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
        const line = r.stdout.trim().split('\n').pop() ?? '';
        const parsed: unknown = line.startsWith('{') ? JSON.parse(line) : undefined;
        const n: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'partitions') : undefined;
        fused.push(typeof n === 'number' ? `p${n}` : 'p?');
      } else fused.push('');
    }
    for (const threads of threadCounts) {
      const runtime = RUNTIMES[manifest.runtime](threads);
      const loaded = [];
      for (const seg of manifest.segments) loaded.push(await runtime.load(readFileSync(path.join(bdir, seg.file)), seg));
      const chain = wireChain(manifest, loaded);
      chain.segments[0].inputs[0].forEach((_, i, a) => { a[i] = ((i * 37) & 127) - 64; });
      contenders.push({ model, runtime: manifest.runtime, precision: manifest.precision, threads, chain, full: new Float64Array(runs), segments: manifest.segments.map(() => new Float64Array(runs)), fused });
    }
  }
}

const now = () => Number(process.hrtime.bigint()) / 1000;
async function once(c: Contender, r: number): Promise<void> {
  const t0 = now();
  let t = t0;
  for (let k = 0; k < c.chain.segments.length; k++) {
    c.chain.feed(k);
    await c.chain.segments[k].run();
    const t1 = now();
    if (r >= 0) c.segments[k][r] = t1 - t;
    t = t1;
  }
  if (r >= 0) c.full[r] = t - t0;
}

const loadBefore = os.loadavg();
for (let r = -warmups; r < runs; r++) {
  // Round robin, starting at a different contender each run.
  for (let i = 0; i < contenders.length; i++) await once(contenders[(i + r + warmups) % contenders.length], r);
}
const loadAfter = os.loadavg();

const stats = (v: Float64Array) => {
  const s = Float64Array.from(v).sort();
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99) };
};
const base = new Map<string, number>();
for (const c of contenders) if (c.runtime === 'tflite' && c.precision === 'int8' && c.threads === 1) base.set(c.model, stats(c.full).p50);
const fp32Of = new Map<string, number>();
for (const c of contenders) if (c.precision === 'fp32') fp32Of.set(`${c.model}/${c.runtime}/${c.threads}`, stats(c.full).p50);

console.log(`${runs} runs per contender (after ${warmups} warm-ups), batch 1, interleaved; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after; ${os.cpus().length} CPUs`);
console.log('model  runtime  precision  threads  full p50 µs  full p99 µs  int8/fp32  vs tflite-int8 x1  segments p50/p99 µs (ONNX int8: fused convs / convs; TFLite: XNNPACK partitions in TF)');
for (const c of contenders) {
  const f = stats(c.full);
  const fp32 = fp32Of.get(`${c.model}/${c.runtime}/${c.threads}`);
  const ratio = c.precision === 'int8' && fp32 ? (f.p50 / fp32).toFixed(2) : '';
  const b = base.get(c.model);
  const speed = b ? `${(b / f.p50).toFixed(2)}x` : '';
  const segs = c.segments.map((s, k) => { const x = stats(s); return `${x.p50.toFixed(0)}/${x.p99.toFixed(0)}${c.fused[k] ? ` (${c.fused[k]})` : ''}`; }).join('  ');
  console.log(`${c.model.padEnd(6)} ${c.runtime.padEnd(8)} ${c.precision.padEnd(10)} ${String(c.threads).padEnd(8)} ${f.p50.toFixed(0).padStart(11)} ${f.p99.toFixed(0).padStart(12)} ${ratio.padStart(10)} ${speed.padStart(18)}  ${segs}`);
}
for (const c of contenders) await c.chain.dispose();
