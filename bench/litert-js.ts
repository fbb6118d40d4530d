/**
 * LiteRT.js (`@litertjs/core`, TFLite's current WebAssembly build with XNNPACK) as a candidate device runtime
 * for the Node agent (issue 23): loads it under Node with a small shim (it is built for browsers: it loads its
 * wasm with importScripts / a <script> tag and asks navigator for WebGPU), then times the monolithic fp32
 * and int8 TFLite models of one export folder, batch 1, median and p99 of N runs, beside tfjs-tflite-node
 * (TFLite 2.9) on the same files. Not a dependency of ranas: without the package it says how to get it.
 *
 *   npm install --no-save @litertjs/core@2.5.3
 *   node --experimental-wasm-relaxed-simd --import tsx bench/litert-js.ts <export dir> [--runs 1000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { RanasError } from '../src/errors.ts';
import { parseBundleManifest } from '../src/bundle-format/parse-manifest.ts';
import { printTable, type Row } from '../src/text-table.ts';
import { quantile } from '../device/profiler.ts';
import { tfliteRuntime } from '../device/runtimes/tflite-runtime.ts';

const argv = process.argv.slice(2);
const dir = argv.find((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 1000;
if (!dir) {
  console.error('usage: node --experimental-wasm-relaxed-simd --import tsx bench/litert-js.ts <export dir> [--runs 1000]');
  process.exit(2);
}

const require = createRequire(import.meta.url);
let wasmDir = '';
try {
  wasmDir = path.join(path.dirname(require.resolve('@litertjs/core/package.json')), 'wasm');
} catch {
  console.log('LiteRT.js: absent (npm install --no-save @litertjs/core@2.5.3 to measure it)');
  process.exit(0);
}

/** The browser pieces LiteRT.js's loader uses, mapped onto Node: importScripts runs its Emscripten glue. */
let wasmFile = '';
Object.assign(globalThis, {
  self: globalThis,
  require,
  __dirname: wasmDir,
  __filename: path.join(wasmDir, 'litert.js'),
  importScripts: (url: string) => {
    const file = url.startsWith('file:') ? new URL(url).pathname : url;
    wasmFile = path.basename(file).replace(/\.js$/, '.wasm');
    Object.assign(globalThis, { Module: { wasmBinary: fs.readFileSync(file.replace(/\.js$/, '.wasm')), locateFile: (f: string) => path.join(wasmDir, f) } });
    vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
  },
});
/** The part of LiteRT.js's API this bench uses (typed here: the package is not a dependency). */
interface LiteRtTensor { delete(): void }
interface LiteRtModel {
  getInputDetails(): { shape: Record<string, number> }[];
  run(inputs: LiteRtTensor[]): Promise<LiteRtTensor[] | Record<string, LiteRtTensor>>;
}
interface LiteRt {
  loadLiteRt(dir: string): Promise<unknown>;
  loadAndCompile(bytes: Uint8Array, o: { accelerator: 'wasm' }): Promise<LiteRtModel>;
  Tensor: new (data: Float32Array, shape: number[]) => LiteRtTensor;
}
function isLiteRt(m: unknown): m is LiteRt {
  return typeof m === 'object' && m !== null && ['loadLiteRt', 'loadAndCompile', 'Tensor'].every((k) => typeof Reflect.get(m, k) === 'function');
}
const packageName = '@litertjs/core';
const mod: unknown = await import(packageName);
if (!isLiteRt(mod)) throw new RanasError('E_BACKEND', `${packageName} does not export loadLiteRt, loadAndCompile and Tensor; expected LiteRT.js 2.5`);
const litert = mod;
await litert.loadLiteRt(`${wasmDir}/`);

const now = () => performance.now() * 1000;
const stats = (t: number[]) => {
  const s = Float64Array.from(t).sort();
  return { p50: Math.round(quantile(s, 0.5)), p99: Math.round(quantile(s, 0.99)) };
};
const rows: Row[] = [];
const load = os.loadavg();
for (const name of ['tflite-fp32', 'tflite-int8']) {
  const bdir = path.join(dir, name);
  if (!fs.existsSync(path.join(bdir, 'manifest.json'))) continue;
  const m = parseBundleManifest(JSON.parse(fs.readFileSync(path.join(bdir, 'manifest.json'), 'utf8')));
  if (!m.monolithic) continue;
  const bytes = new Uint8Array(fs.readFileSync(path.join(bdir, m.monolithic.file)));
  // tfjs-tflite-node (the agent's TFLite runtime today), 1 thread.
  const seg = await tfliteRuntime({ threads: 1 }).load(bytes, { inputs: m.segments[0].inputs, outputs: m.monolithic.outputs });
  const tflite: number[] = [];
  for (let i = -50; i < runs; i++) { const t0 = now(); await seg.run(); if (i >= 0) tflite.push(now() - t0); }
  await seg.dispose();
  rows.push({ model: path.basename(path.resolve(dir)), bundle: name, runtime: 'tfjs-tflite-node (TFLite 2.9)', ...stats(tflite), note: '' });
  try {
    const model = await litert.loadAndCompile(bytes, { accelerator: 'wasm' });
    const inputs = model.getInputDetails().map((d) => new litert.Tensor(new Float32Array(Object.values(d.shape).reduce((a, b) => a * b, 1)).fill(0.1), Object.values(d.shape)));
    const times: number[] = [];
    for (let i = -50; i < runs; i++) {
      const t0 = now();
      const out = await model.run(inputs);
      if (i >= 0) times.push(now() - t0);
      for (const o of Array.isArray(out) ? out : Object.values(out)) o.delete();
    }
    rows.push({ model: path.basename(path.resolve(dir)), bundle: name, runtime: `LiteRT.js 2.5.3 wasm (${wasmFile})`, ...stats(times), note: '' });
  } catch (e) {
    rows.push({ model: path.basename(path.resolve(dir)), bundle: name, runtime: `LiteRT.js 2.5.3 wasm (${wasmFile})`, p50: null, p99: null, note: `refused: ${e instanceof Error ? e.message : String(e)}` });
  }
}
printTable(rows, { title: `monolithic model, batch 1, ${runs} runs (µs); load average ${load.map((x) => x.toFixed(2)).join(' ')}; ${os.cpus().length} CPUs` });
