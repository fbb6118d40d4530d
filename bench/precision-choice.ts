/**
 * Precision chosen by measurement (issue 23), on the agent as it runs: for each bundle exported with
 * `ranas export --int8 --precision-choice` (int8 segments with their fp32 forms beside), three local agents
 * load it — `--precision fp32`, `--precision int8` and `--precision auto`, each with `--threads` (default 1, so
 * the precision is the only choice; `auto` lets the profile choose threads too) — and answer the same
 * full-path requests, interleaved request by request so machine load falls on all alike. One bundle at a
 * time: its three agents are closed before the next bundle's start (idle onnxruntime pools of other agents
 * would otherwise spin beside the timed one).
 * Prints each agent's plan (precision x threads per segment), full-path p50/p99 (request in to answer out,
 * measured around the agent's `run`), and auto's p50 against the better uniform agent's (goal ≤ 1.03).
 *
 *   node --import tsx bench/precision-choice.ts <export dir>… [--bundles onnx-int8,tflite-int8] [--runs 1000] [--profile-runs 200] [--threads 1|auto]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBundleManifest } from '../src/bundle-format/parse-manifest.ts';
import { printTable, type Row } from '../src/text-table.ts';
import { createAgent, type Agent } from '../device/agent.ts';
import type { PrecisionChoice } from '../device/agent/segment-plan.ts';
import { quantile } from '../device/profiler.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const dirs = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
const bundles = arg('bundles', 'onnx-int8,tflite-int8').split(',');
const runs = Number(arg('runs', '1000'));
const profileRuns = Number(arg('profile-runs', '200'));
const threadsArg = arg('threads', '1');
const threads: number | 'auto' = threadsArg === 'auto' ? 'auto' : Number(threadsArg);
if (dirs.length === 0) {
  console.error('usage: node --import tsx bench/precision-choice.ts <export dir>… [--bundles onnx-int8,tflite-int8] [--runs 1000] [--profile-runs 200]');
  process.exit(2);
}

const SETTINGS: readonly PrecisionChoice[] = ['fp32', 'int8', 'auto'];
interface Contender { model: string; bundle: string; setting: PrecisionChoice; agent: Agent; times: Float64Array; shape: number[] }

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-precision-bench-'));
const rows: Row[] = [];
const loadAtStart = os.loadavg();
const now = () => Number(process.hrtime.bigint()) / 1000;
const warmups = Math.max(20, Math.round(runs / 20));
const p = (v: Float64Array, q: number) => quantile(Float64Array.from(v).sort(), q);

/** Loads one bundle into the three agents, times them interleaved, closes them; returns their rows. */
async function benchBundle(model: string, name: string, bdir: string, shape: number[]): Promise<Row[]> {
  const contenders: Contender[] = [];
  try {
    for (const setting of SETTINGS) {
      const agent = await createAgent({
        bundleDir: path.join(work, `${model}-${name}-${setting}`), threads, precision: setting,
        profile: { warmups: 20, runs: profileRuns }, deviceName: `bench-${setting}`,
      });
      contenders.push({ model, bundle: name, setting, agent, times: new Float64Array(runs), shape });
      await agent.install(bdir);
    }
    const loadBefore = os.loadavg()[0];
    for (let r = -warmups; r < runs; r++) {
      for (let i = 0; i < contenders.length; i++) {
        const ct = contenders[(i + r + warmups) % contenders.length];
        const input = Uint8Array.from({ length: shape[0] * shape[1] * shape[2] }, (_, j) => (j * 37 + r) & 255);
        const t0 = now();
        await ct.agent.run({ input, shape, budgetUs: 1e12, policy: 'deadline' });
        if (r >= 0) ct.times[r] = now() - t0;
      }
    }
    const loadAfter = os.loadavg()[0];
    const uniform = contenders.filter((o) => o.setting !== 'auto').map((o) => p(o.times, 0.5));
    return contenders.map((ct) => ({
      model, bundle: name, precision: ct.setting,
      plan: (ct.agent.active()?.profile.segments ?? []).map((s) => `${s.precision ?? '?'}x${s.threads ?? '?'}`).join(' '),
      'full p50 µs': Math.round(p(ct.times, 0.5)), 'full p99 µs': Math.round(p(ct.times, 0.99)),
      'vs better uniform': ct.setting === 'auto' ? Math.round((p(ct.times, 0.5) / Math.min(...uniform)) * 1000) / 1000 : null,
      load: `${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}`,
    }));
  } finally {
    for (const ct of contenders) await ct.agent.close();
  }
}

try {
  for (const dir of dirs) {
    for (const name of bundles) {
      const bdir = path.join(dir, name);
      if (!fs.existsSync(path.join(bdir, 'manifest.json'))) continue;
      const m = parseBundleManifest(JSON.parse(fs.readFileSync(path.join(bdir, 'manifest.json'), 'utf8')));
      if (!m.segments.some((s) => s.variants?.length)) {
        console.error(`${bdir}: no segment variants (export with --int8 --precision-choice); skipped`);
        continue;
      }
      const shape = m.input.layout === 'NHWC' ? m.input.shape.slice(1) : [m.input.shape[2], m.input.shape[3], m.input.shape[1]];
      rows.push(...await benchBundle(path.basename(path.resolve(dir)), name, bdir, shape));
    }
  }
  printTable(rows, { title: `${runs} full-path requests per agent (after ${warmups} warm-ups), interleaved per bundle; agents profiled with ${profileRuns} runs, --threads ${threadsArg}; load average at start ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}; ${os.cpus().length} CPUs` });
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
