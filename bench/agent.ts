/**
 * Device agent performance (issue 6) on the tiny preset's int8 TFLite bundle (random weights, calibrated
 * on the shipped CIFAR-10 mini train split), run with a local agent (bench/bench-local.ts):
 * - agent overhead ≤ 3 % of the raw interpreter invokes at the median;
 * - chained segments ≤ 1.10× the monolithic model for the full path;
 * - deadline miss rate ≤ 0.5 % over 10,000 requests, budgets spread between exit 1's p99 and the full p99
 *   (both predicted from the profile: input + segments + answer phases);
 * - RSS flat (± 5 %) over those 10,000 requests, measured from a steady state: after a warm-up of at
 *   least --rss-warmup requests (default 1000) and --rss-warmup-s seconds (default 15), with the same
 *   budget mix and GC cadence; sampled after a GC every 500 requests.
 * The bench re-runs itself with the agent's V8 flags (device/agent-node-flags.ts) and --expose-gc if missing.
 *   node --import tsx bench/agent.ts [--json] [--requests-per-budget N] [--budgets N] [--threads N] [--rss-warmup N] [--rss-warmup-s S] [--bundle DIR]
 * Without --bundle it exports the bundle into a temp folder first, in a child process (the exporter's
 * memory is not the agent's). --expose-gc lets the RSS samples be
 * taken after a full GC (retained memory, not garbage not yet collected).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, type Row } from '../src/text-table.ts';
import { buildPreset } from '../src/model/presets.ts';
import { loadCifar10Mini } from '../src/data/cifar10-mini.ts';
import { exportModel } from '../converters/export.ts';
import { benchLocal } from './bench-local.ts';
import { benchLocalTables } from './bench-local-table.ts';
import { AGENT_ENV, AGENT_NODE_FLAGS, hasAgentNodeFlags } from '../device/agent-node-flags.ts';

// Measure the agent as it runs on a device: with its V8 flags and environment, and --expose-gc so RSS samples follow a full GC.
if (!hasAgentNodeFlags() || !process.execArgv.includes('--expose-gc')) {
  const flags = [...new Set([...process.execArgv, '--expose-gc', ...AGENT_NODE_FLAGS])];
  const r = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, ...AGENT_ENV } });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const perBudget = arg('--requests-per-budget', 500);
const budgetCount = arg('--budgets', 20);
const threads = arg('--threads', 1);
const rssWarmupRequests = arg('--rss-warmup', 1000);
const rssWarmupMs = 1000 * arg('--rss-warmup-s', 15);
const log = (line: string) => { if (!json) process.stderr.write(line + '\n'); };

const data = loadCifar10Mini();

/** Exports the tiny preset (random weights) as an int8 TFLite bundle under `outDir`. */
async function exportTiny(outDir: string): Promise<void> {
  await exportModel(buildPreset('tiny'), {
    outDir, formats: ['tflite'], int8: true, calibImages: 128, target: 'generic', floatIo: false, evalImages: 0,
    data: { train: data.train, test: data.test, name: 'cifar10-mini', source: data.test.source },
  });
}

// `--export-to DIR`: the child process that exports (below), then exits.
if (args.includes('--export-to')) {
  await exportTiny(args[args.indexOf('--export-to') + 1]);
  process.exit(0);
}

let bundle = args.includes('--bundle') ? args[args.indexOf('--bundle') + 1] : '';
let tmp = '';
if (!bundle) {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-agent-'));
  log('exporting the tiny preset (random weights) as int8 TFLite in a child process …');
  // In a child, so the exporter's memory (tfjs, calibration data) is not in the agent's RSS.
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--export-to', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (child.status !== 0) throw new Error(`exporting the tiny preset failed (exit ${child.status ?? child.signal})`);
  bundle = path.join(tmp, 'tflite-int8');
}
try {
  const r = await benchLocal(bundle, {
    requests: perBudget, budgetCount, threads, data: data.test, overheadRuns: 2000, profile: { warmups: 50, runs: 500 }, rssWarmupRequests, rssWarmupMs, log,
  });
  const totalRequests = r.budgets.reduce((s, b) => s + b.requests, 0);
  const missed = r.budgets.reduce((s, b) => s + b.missRate * b.requests, 0);
  const missRate = missed / totalRequests;
  const overBudget = r.budgets.reduce((s, b) => s + b.overBudgetRate * b.requests, 0);
  const missedInBudget = r.budgets.reduce((s, b) => s + b.missRateInBudget * (b.requests - b.overBudgetRate * b.requests), 0);
  const o = r.overhead;
  const targets: Row[] = [
    { target: 'agent overhead at the median (% of raw invokes, A/B)', measured: o.overheadPct, limit: 3, pass: o.overheadPct <= 3 },
    { target: 'agent overhead incl. uint8 image preprocessing (%)', measured: o.imageOverheadPct, limit: null, pass: null },
    { target: "agent's own time / segments' time, same requests (%)", measured: o.pairedOverheadPct, limit: 3, pass: o.pairedOverheadPct <= 3 },
    { target: 'chained / monolithic, full path (median)', measured: o.chainedOverMonolithic, limit: 1.1, pass: o.chainedOverMonolithic !== null && o.chainedOverMonolithic <= 1.1 },
    { target: `deadline miss rate over ${totalRequests} requests, every miss counted (%)`, measured: 100 * missRate, limit: 0.5, pass: missRate <= 0.005 },
    { target: `  of which not flagged over budget (% of the ${totalRequests - Math.round(overBudget)} such requests)`, measured: (100 * missedInBudget) / Math.max(1, totalRequests - overBudget), limit: null, pass: null },
    { target: `  requests flagged over budget (%)`, measured: (100 * overBudget) / totalRequests, limit: null, pass: null },
    { target: `RSS change over ${r.rss.requests} requests after ${r.rss.warmupRequests} warm-up, end vs start (%)`, measured: r.rss.changePct, limit: 5, pass: Math.abs(r.rss.changePct) <= 5 },
    { target: `RSS largest deviation from start, ${r.rss.samplesBytes.length} samples (%)${r.rss.gcBeforeSamples ? ', after GC' : ''}`, measured: r.rss.maxDeviationPct, limit: 5, pass: r.rss.maxDeviationPct <= 5 },
  ];
  const { exits, budgets, overhead: timings, rss } = benchLocalTables(r);
  if (json) {
    process.stdout.write(JSON.stringify({ report: r, targets }, null, 2) + '\n');
  } else {
    const head = `${r.bundle.name} ${r.bundle.runtime}-${r.bundle.precision}, ${r.bundle.segments} segments, device ${r.device}, ${r.threads} thread(s), ${os.cpus().length} cores, load avg ${os.loadavg()[0].toFixed(2)}`;
    const ro = r.requestOverhead;
    printTable(exits, { title: `${head}\n\nper-exit latency (µs); request overhead p50/p99: input ${ro.inputP50Us.toFixed(1)}/${ro.inputP99Us.toFixed(1)}, answer ${ro.answerP50Us.toFixed(1)}/${ro.answerP99Us.toFixed(1)}` });
    printTable(budgets, { title: `\nper budget (deadline policy, safety ${r.safetyFactor}; from exit 1's cost ${r.exitOneCostUs.toFixed(0)} µs to the full path's ${r.fullPathCostUs.toFixed(0)} µs; accuracy on CIFAR-10 mini test, random weights)` });
    printTable(timings, { title: '\nfull-path timings (µs, medians)' });
    printTable(rss, { title: '\nRSS, steady state (MiB)' });
    process.stdout.write(`RSS samples, MiB: ${r.rss.samplesBytes.map((b) => (b / 2 ** 20).toFixed(1)).join(' ')}\n`);
    printTable(targets, { title: '\nissue 6 targets' });
  }
} finally {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
