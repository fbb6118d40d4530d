/**
 * `planned` against `deadline` (issue 18 part 4) on real split bundles: an MSDNet and an MS-RANAS preset
 * (random weights, int8 ONNX — the agent's default runtime here — calibrated on the shipped CIFAR-10 mini train
 * split), exported with `--split-heads` in a child process, served by an in-process agent (1 thread, adaptive
 * p99 tracking, safety 1.1), CIFAR-10 mini test images as raw uint8 requests.
 *
 * Budget grid per model: `--budgets` budgets spread between exit 1's predicted cost (the larger of deadline's and
 * planned's: segment 0, or trunk 0 + head 0) and the full path's (deadline's profile: input + segments + answer
 * p99). After `--warmup` full-budget requests per policy (the live p99 trackers fill their windows), `--requests-
 * per-budget` requests per policy and budget, round-robin over the budgets and alternating the policies (so
 * machine load and tracker drift hit every budget and both policies alike). Printed per budget: mean exit reached
 * (1-based), mean latency, miss rate; a miss is `late part` when some segment (or trunk, or trunk + head) took
 * longer than the safety factor × its profiled p99 — the prediction was right about the p99 and the machine was
 * not; then per model the share of budgets where planned reaches a deeper exit on average (or the same exit
 * sooner), each policy's miss rate, the heads' share of the full cost (MACs from the export, and measured time
 * from the parts' profile) and the load average before and after.
 *   node --import tsx bench/planned.ts [--models msdnet-cifar10,small] [--budgets 12] [--requests-per-budget 100]
 *     [--profile-runs 500] [--warmup 300] [--repeats 3] [--no-adaptive] [--gc-after-mib N] [--bundles DIR (reuse exports there)] [--json]
 * Each repeat is a fresh agent with a fresh profile on the first repeat's budget grid (p99s under load move from one
 * profile to the next, and with them both policies' decisions); the tables pool the repeats.
 */
import { spawnSync } from 'node:child_process';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, type Row } from '../src/text-table.ts';
import { buildPreset } from '../src/model/presets.ts';
import { loadCifar10Mini } from '../src/data/cifar10-mini.ts';
import { withExitMacs } from '../src/ir/analysis.ts';
import { exportModel, headCosts, type ExportReport } from '../converters/export.ts';
import { foldBatchNorm } from '../converters/passes/fold-batch-norm.ts';
import { fuseRelu } from '../converters/passes/fuse-relu.ts';
import { cutSegments } from '../converters/segments.ts';
import { splitHeads } from '../converters/split-heads.ts';
import { createAgent } from '../device/agent.ts';
import { DEFAULT_GC_AFTER_MIB } from '../device/agent/gc-between-requests.ts';
import { spreadBudgets } from './bench-local.ts';
import type { InferPolicy } from '../src/bundle-format/policy.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const log = (line: string) => { if (!json) process.stderr.write(line + '\n'); };
const data = loadCifar10Mini();
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** Exports `preset` (random weights) as split int8 ONNX under `outDir` (fp32 too: the exporter writes both). */
async function exportSplit(preset: string, outDir: string): Promise<void> {
  await exportModel(buildPreset(preset), {
    outDir, formats: ['onnx'], int8: true, calibImages: 64, target: 'generic', floatIo: false, evalImages: 8, splitHeads: true,
    data: { train: data.train, test: data.test, name: 'cifar10-mini', source: data.test.source },
  });
}

// `--export-to DIR --preset P`: the child process that exports, then exits.
if (args.includes('--export-to')) {
  await exportSplit(arg('--preset', ''), arg('--export-to', ''));
  process.exit(0);
}

const models = arg('--models', 'msdnet-cifar10,small').split(',');
const budgetCount = Number(arg('--budgets', '12'));
const perBudget = Number(arg('--requests-per-budget', '100'));
/** Profiler runs per segment and per part: more than the agent's default 200, so one descheduling does not set a p99. */
const profileRuns = Number(arg('--profile-runs', '500'));
const warmup = Number(arg('--warmup', '300'));
const SAFETY = 1.1;
const repeats = Number(arg('--repeats', '3'));
/** `--no-adaptive`: both policies predict from the profile's p99s alone (no live tracking). */
const adaptive = !args.includes('--no-adaptive');
const POLICIES: readonly InferPolicy[] = ['deadline', 'planned'];
/** `--gc-after-mib N`: the agent's minor GC between requests after N MiB allocated (0 = V8 decides; default the agent's). */
const gcAfterMiB = args.includes('--gc-after-mib') ? Number(arg('--gc-after-mib', '0')) : undefined;

/** Heads' share of the full cost in MACs, from the graph alone (also for presets not benched). */
function headShareOf(preset: string): number {
  const g = withExitMacs(fuseRelu(foldBatchNorm(buildPreset(preset))));
  return headCosts(g, splitHeads(g, cutSegments(g))).shareOfFullCost;
}

/** `forced`: answers flagged over budget (the budget is below exit 1's predicted cost); their misses are counted apart. */
interface PolicyStats { exitSum: number; latencySum: number; misses: number; lateMisses: number; gcMisses: number; n: number; forced: number; forcedMisses: number }
type ByPolicy = Record<InferPolicy, PolicyStats>;
const stats = (): PolicyStats => ({ exitSum: 0, latencySum: 0, misses: 0, lateMisses: 0, gcMisses: 0, n: 0, forced: 0, forcedMisses: 0 });
const byPolicy = (): ByPolicy => ({ deadline: stats(), confidence: stats(), planned: stats() });

/** One repeat: a fresh agent (profiled anew) over the budget grid (`budgets`, or one spread from this profile). */
async function runRepeat(bundleDir: string, given: number[] | undefined) {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-planned-'));
  const agent = await createAgent({ bundleDir: store, threads: 1, safetyFactor: SAFETY, adaptive, profile: { warmups: 20, runs: profileRuns }, deviceName: 'bench-planned', gcAfterMiB });
  try {
    await agent.install(bundleDir);
    const profile = agent.active()?.profile;
    const parts = profile?.parts;
    if (!profile?.overhead || !parts) throw new Error('the agent did not profile the parts');
    const over = profile.overhead.input.p99Us + profile.overhead.answer.p99Us;
    const seg = profile.segments.map((x) => x.p99Us);
    const full = over + seg.reduce((a, b) => a + b, 0);
    // From the larger of the two policies' exit-1 costs (planned's is trunk 0 + head 0, each at its p99), so
    // every budget is one both policies predict they can meet: below it an answer is flagged over budget.
    const budgets = given ?? spreadBudgets(over + Math.max(seg[0], parts.trunks[0].p99Us + parts.heads[0].p99Us), full, budgetCount);
    const size = data.test.height * data.test.width * data.test.channels;
    const shape = [data.test.height, data.test.width, data.test.channels];
    const imageAt = (i: number) => data.test.images.subarray((i % data.test.count) * size, ((i % data.test.count) + 1) * size);
    for (let r = 0; r < warmup; r++) for (const policy of POLICIES) await agent.run({ input: imageAt(r), shape, budgetUs: 10 * full, policy });
    // Profiled p99 of what each entry of an answer's segmentLatencyUs measured: a segment (deadline), or a
    // trunk and, at the answering exit, trunk + head (planned).
    const late = (policy: InferPolicy, a: { exitIndex: number; segmentLatencyUs: number[] }) => a.segmentLatencyUs.some((us, k) => {
      const p99 = policy === 'planned' ? (k === a.exitIndex ? parts.steps[k].p99Us : parts.trunks[k].p99Us) : seg[k];
      return us > SAFETY * p99;
    });
    const per = budgets.map(byPolicy);
    // Garbage collections of this process (agent and client share it): a miss whose agent.run call overlapped
    // one is counted apart (the call's window includes a between-request collection it waited behind, which the
    // agent's own latency, and so `met`, does not).
    const gcs: { start: number; end: number }[] = [];
    const gcObserver = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration }); });
    gcObserver.observe({ entryTypes: ['gc'] });
    const missed: { policy: InferPolicy; b: number; start: number; end: number }[] = [];
    for (let r = 0; r < perBudget; r++) {
      for (const [b, budgetUs] of budgets.entries()) {
        for (const policy of (r + b) % 2 === 0 ? POLICIES : [...POLICIES].reverse()) {
          const t0 = performance.now();
          const a = await agent.run({ input: imageAt(r * budgets.length + b), shape, budgetUs, policy });
          if (!a.met) missed.push({ policy, b, start: t0, end: performance.now() });
          const x = per[b][policy];
          x.exitSum += a.exitIndex + 1;
          x.latencySum += a.totalUs;
          x.misses += a.met ? 0 : 1;
          x.lateMisses += !a.met && late(policy, a) ? 1 : 0;
          x.n++;
          x.forced += a.overBudget ? 1 : 0;
          x.forcedMisses += a.overBudget && !a.met ? 1 : 0;
        }
      }
    }
    await new Promise((res) => setTimeout(res, 50)); // the observer's entries arrive asynchronously
    gcObserver.disconnect();
    for (const m of missed) if (gcs.some((g) => g.start < m.end && g.end > m.start)) per[m.b][m.policy].gcMisses++;
    // How far the machine's tail is from the median: p99 / p50 of every segment and part, median over them.
    const ratios = [...profile.segments, ...parts.trunks, ...parts.heads].map((l) => l.p99Us / l.p50Us).sort((a, b) => a - b);
    return { budgets, per, profile, parts, tailRatio: ratios[Math.floor(ratios.length / 2)] };
  } finally {
    await agent.close();
    fs.rmSync(store, { recursive: true, force: true });
  }
}

/** Planned's verdict at one budget: deeper mean exit, or the same mean exit sooner (or shallower / later). */
function verdictOf(x: ByPolicy): string {
  const dExit = x.deadline.exitSum / x.deadline.n;
  const pExit = x.planned.exitSum / x.planned.n;
  if (Math.abs(pExit - dExit) > 1e-9) return pExit > dExit ? 'deeper' : 'shallower';
  return x.planned.latencySum < x.deadline.latencySum ? 'same, sooner' : 'same, later';
}
const isBetter = (v: string) => v === 'deeper' || v === 'same, sooner';
/** Miss rate (%) of the requests not flagged over budget. */
const missNotForced = (x: PolicyStats) => ((100 * (x.misses - x.forcedMisses)) / Math.max(1, x.n - x.forced)).toFixed(2);

function add(into: PolicyStats, x: PolicyStats): void {
  into.exitSum += x.exitSum;
  into.latencySum += x.latencySum;
  into.misses += x.misses;
  into.lateMisses += x.lateMisses;
  into.gcMisses += x.gcMisses;
  into.n += x.n;
  into.forced += x.forced;
  into.forcedMisses += x.forcedMisses;
}

async function benchModel(preset: string, exportDir: string): Promise<{ rows: Row[]; pathRows: Row[]; summary: Row }> {
  if (!fs.existsSync(path.join(exportDir, 'export-report.json'))) {
    log(`exporting ${preset} (random weights, --split-heads, int8 ONNX) in a child process …`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--export-to', exportDir, '--preset', preset], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (child.status !== 0) throw new Error(`exporting ${preset} failed (exit ${child.status ?? child.signal})`);
  }
  const report: ExportReport = JSON.parse(fs.readFileSync(path.join(exportDir, 'export-report.json'), 'utf8'));
  const bundle = report.bundles.find((b) => b.name === 'onnx-int8');
  if (!bundle) throw new Error(`no onnx-int8 bundle in ${exportDir}`);
  const loadBefore = load();
  let budgets: number[] | undefined;
  let pooled: ByPolicy[] = [];
  const total = byPolicy();
  const betterPerRepeat: number[] = [];
  const tailRatios: number[] = [];
  let first: Awaited<ReturnType<typeof runRepeat>> | undefined;
  for (let rep = 0; rep < repeats; rep++) {
    log(`${preset}: repeat ${rep + 1}/${repeats} (fresh agent and profile), load avg ${load()}`);
    const r = await runRepeat(bundle.dir, budgets);
    first ??= r;
    budgets = r.budgets;
    if (pooled.length === 0) pooled = r.budgets.map(byPolicy);
    r.per.forEach((x, b) => {
      for (const policy of POLICIES) {
        add(pooled[b][policy], x[policy]);
        add(total[policy], x[policy]);
      }
    });
    tailRatios.push(r.tailRatio);
    betterPerRepeat.push((100 * r.per.filter((x) => isBetter(verdictOf(x))).length) / r.per.length);
  }
  if (!first || !budgets) throw new Error('no repeat ran');
  const { profile, parts } = first;
  // Per exit, the median time to answer there from the first profile (input and answer phases left out): the chain
  // pays every segment up to k (every head), planned the trunks up to k and head k only.
  let chainUs = 0;
  let trunksUs = 0;
  const pathRows: Row[] = profile.segments.map((x, k) => {
    chainUs += x.p50Us;
    const plannedUs = trunksUs + parts.steps[k].p50Us;
    trunksUs += parts.trunks[k].p50Us;
    return { exit: k + 1, 'segments 0..k p50 µs': Math.round(chainUs), 'trunks 0..k + head k p50 µs': Math.round(plannedUs), 'planned / chain': Number((plannedUs / chainUs).toFixed(3)) };
  });
  const rows: Row[] = budgets.map((budgetUs, b) => {
    const d = pooled[b].deadline;
    const p = pooled[b].planned;
    return {
      budgetUs: Math.round(budgetUs),
      'deadline exit': Number((d.exitSum / d.n).toFixed(2)), 'planned exit': Number((p.exitSum / p.n).toFixed(2)),
      'deadline µs': Math.round(d.latencySum / d.n), 'planned µs': Math.round(p.latencySum / p.n),
      'deadline miss %': Number(((100 * d.misses) / d.n).toFixed(2)), 'planned miss %': Number(((100 * p.misses) / p.n).toFixed(2)),
      planned: verdictOf(pooled[b]),
    };
  });
  const p50 = (l: { p50Us: number }[]) => l.reduce((sum, x) => sum + x.p50Us, 0);
  const summary: Row = {
    model: preset,
    exits: profile.segments.length,
    budgets: budgets.length,
    repeats,
    'planned better, pooled (% of budgets)': Number(((100 * rows.filter((r) => isBetter(String(r.planned))).length) / rows.length).toFixed(1)),
    'planned better per repeat (%)': betterPerRepeat.map((x) => x.toFixed(0)).join(' '),
    'deadline miss %': Number(((100 * total.deadline.misses) / total.deadline.n).toFixed(2)),
    'planned miss %': Number(((100 * total.planned.misses) / total.planned.n).toFixed(2)),
    'miss % not over budget d/p': `${missNotForced(total.deadline)} ${missNotForced(total.planned)}`,
    'misses with a late part d/p': `${total.deadline.lateMisses}/${total.deadline.misses} ${total.planned.lateMisses}/${total.planned.misses}`,
    'misses during a GC d/p': `${total.deadline.gcMisses}/${total.deadline.misses} ${total.planned.gcMisses}/${total.planned.misses}`,
    'requests/policy': total.planned.n,
    'heads % of MACs': Number((100 * (report.heads?.shareOfFullCost ?? NaN)).toFixed(1)),
    'heads % of time (p50)': Number(((100 * p50(parts.heads)) / (p50(parts.heads) + p50(parts.trunks))).toFixed(1)),
    'parts / segments time (p50)': Number(((p50(parts.heads) + p50(parts.trunks)) / p50(profile.segments)).toFixed(3)),
    'parts match': bundle.partsMatch?.every(Boolean) ?? null,
    'median p99/p50 per repeat': tailRatios.map((x) => x.toFixed(1)).join(' '),
    'load avg before': loadBefore,
    'load avg after': load(),
  };
  return { rows, pathRows, summary };
}

const root = args.includes('--bundles') ? arg('--bundles', '') : fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-planned-export-'));
try {
  const results = [];
  for (const preset of models) {
    const r = await benchModel(preset, path.join(root, preset));
    results.push(r);
    if (!json) printTable(r.pathRows, { title: `\n${preset}, onnx-int8: median time to answer at each exit, from the profile (${profileRuns} runs), load avg ${load()}` });
    if (!json) printTable(r.rows, { title: `\n${preset}, onnx-int8, 1 thread, ${adaptive ? 'adaptive p99' : 'profile p99 only'}, ${gcAfterMiB === 0 ? 'GC left to V8' : `minor GC between requests after ${gcAfterMiB ?? DEFAULT_GC_AFTER_MIB} MiB`}, ${os.cpus().length} cores, load avg ${load()}: per budget (exit 1-based, means over ${perBudget} × ${repeats} requests per policy)` });
  }
  const shares: Row[] = ['msdnet-cifar10', 'msdnet-cifar100-7exit', 'paper-cifar', 'small', 'tiny'].map((p) => ({ preset: p, 'heads % of full cost (MACs)': Number((100 * headShareOf(p)).toFixed(1)) }));
  if (json) process.stdout.write(JSON.stringify({ results, shares }, null, 2) + '\n');
  else {
    printTable(results.map((r) => r.summary), { title: '\nplanned vs deadline (planned better = deeper mean exit, or the same exit sooner)' });
    printTable(shares, { title: '\nheads (every exit\'s classifier) as a share of the full anytime cost, from the graphs' });
  }
} finally {
  if (!args.includes('--bundles')) fs.rmSync(root, { recursive: true, force: true });
}
