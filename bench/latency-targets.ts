/**
 * Per-exit latency targets in the one-shot search (issue 18, part 2, acceptance): for every target set and
 * seed, a short `ranas search --latency-table T --exit-targets-ms …` on the tiny preset; the derived genotype
 * is checked with the predictor, then exported as an int8 bundle and profiled by a local agent (median of
 * three profiles). An exit's latency is the sum of its segments' p50 (segments 0..k, as the predictor and
 * the table count it). Prints, per (target set, seed, exit): target, predicted, measured, and whether the
 * measured latency meets the target within the predictor's ±10 % (measured ≤ 1.1 × target); then the share
 * of cases that do (goal ≥ 95 %) and the mean measured latency per target set and exit (tighter targets
 * should give faster exits), with `uptime`'s load average.
 *
 *   node --import tsx bench/latency-targets.ts --table latency-tiny-onnx.json [--seeds 5]
 *        [--targets "0.30,1.00,1.30;0.22,0.60,0.85;0.19,0.45,0.65"] [--epochs 2] [--subset 800]
 *        [--batch-size 32] [--alpha-lr 0.03] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildMsRanas } from '../src/model/ms-ranas.ts';
import { runSearch } from '../src/search/run-search.ts';
import { SEARCH_DEFAULTS, searchSupernetConfig } from '../src/search/search-options.ts';
import { parseExitTargetsMs } from '../src/latency/parse-targets.ts';
import { profileNetworkBundle } from '../src/latency/calibration-bundles.ts';
import { genotypeHash } from '../src/model/genotype.ts';
import { RanasError } from '../src/errors.ts';
import { printTable, type Row } from '../src/text-table.ts';

/** Options of the acceptance run. */
export interface LatencyTargetsBenchOptions {
  table: string;
  seeds: number[];
  /** Target sets, ms per exit. */
  targetSets: number[][];
  epochs: number;
  subset: number;
  batchSize: number;
  alphaLr: number;
  runsDir: string;
  /** Agent profiler runs per segment (default the agent's). */
  runs?: number;
  log?: (line: string) => void;
}

/** One (target set, seed, exit). */
export interface TargetRow {
  targetSet: number;
  seed: number;
  exit: number;
  targetUs: number;
  predictedUs: number;
  measuredUs: number;
  meets: boolean;
  genotype: string;
}

/** Runs every search and measurement. */
export async function benchLatencyTargets(o: LatencyTargetsBenchOptions): Promise<{ rows: TargetRow[]; loadBefore: number[]; loadAfter: number[] }> {
  const log = o.log ?? (() => {});
  const loadBefore = os.loadavg();
  const rows: TargetRow[] = [];
  const d = SEARCH_DEFAULTS;
  for (const [t, targets] of o.targetSets.entries()) {
    for (const seed of o.seeds) {
      const name = `targets${t + 1}-s${seed}`;
      const options = {
        preset: 'tiny', nodes: d.nodes, searchExits: true, cutout: d.cutout,
        epochs: o.epochs, batchSize: o.batchSize, subset: o.subset, data: 'cifar10' as const,
        lr: d.lr, lrMin: d.lrMin, momentum: d.momentum, weightDecay: d.weightDecay, gradClip: d.gradClip,
        alphaLr: o.alphaLr, alphaWeightDecay: d.alphaWeightDecay, secondOrder: false, warmupEpochs: 0,
        seed, name, runsDir: o.runsDir, resume: false, overwrite: true, checkpointEvery: 0, threads: 1,
        latencyTable: o.table, exitTargetsMs: targets,
      };
      const s = await runSearch(options, () => {});
      const check = s.latencyCheck;
      if (!check) throw new RanasError('E_INTERNAL', `search ${name} ran without its latency check`);
      const config = { ...searchSupernetConfig(options), numClasses: 10 };
      const measured = await profileNetworkBundle(buildMsRanas(s.genotype, config, name), { runtime: 'onnx', threads: 1, runs: o.runs });
      const cumulative = measured.map((_, k) => measured.slice(0, k + 1).reduce((a, m) => a + m.p50Us, 0));
      targets.forEach((ms, k) => {
        const targetUs = ms * 1000;
        rows.push({ targetSet: t + 1, seed, exit: k + 1, targetUs, predictedUs: check.predictedExitUs[k], measuredUs: cumulative[k], meets: cumulative[k] <= 1.1 * targetUs, genotype: genotypeHash(s.genotype) });
      });
      log(`targets ${targets.join('/')} ms, seed ${seed}: predicted ${check.predictedExitUs.map((u) => (u / 1000).toFixed(3)).join('/')} ms, measured ${cumulative.map((u) => (u / 1000).toFixed(3)).join('/')} ms (genotype ${genotypeHash(s.genotype)})`);
    }
  }
  return { rows, loadBefore, loadAfter: os.loadavg() };
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const table = argValue(args, '--table');
  if (!table) throw new RanasError('E_CLI_OPTION', '--table is required (a latency table of the tiny preset: ranas device profile-ops --local --preset tiny)');
  const targetSets = (argValue(args, '--targets') ?? '0.30,1.00,1.30;0.22,0.60,0.85;0.19,0.45,0.65').split(';').map(parseExitTargetsMs);
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-latency-targets-'));
  try {
    const r = await benchLatencyTargets({
      table, targetSets, runsDir,
      seeds: Array.from({ length: Number(argValue(args, '--seeds') ?? 5) }, (_, i) => i + 1),
      epochs: Number(argValue(args, '--epochs') ?? 2),
      subset: Number(argValue(args, '--subset') ?? 800),
      batchSize: Number(argValue(args, '--batch-size') ?? 32),
      alphaLr: Number(argValue(args, '--alpha-lr') ?? 0.03),
      log: (l) => process.stderr.write(l + '\n'),
    });
    const rows: Row[] = r.rows.map((x) => ({
      targets: x.targetSet, seed: x.seed, exit: x.exit, 'target ms': x.targetUs / 1000, 'predicted ms': Math.round(x.predictedUs) / 1000,
      'measured ms': Math.round(x.measuredUs) / 1000, 'meets (≤ 1.1 × target)': x.meets ? 'yes' : 'NO', genotype: x.genotype,
    }));
    const means: Row[] = [...new Set(r.rows.map((x) => `${x.targetSet}/${x.exit}`))].map((key) => {
      const xs = r.rows.filter((x) => `${x.targetSet}/${x.exit}` === key);
      return { targets: xs[0].targetSet, exit: xs[0].exit, 'target ms': xs[0].targetUs / 1000, 'mean predicted ms': Math.round(xs.reduce((s, x) => s + x.predictedUs, 0) / xs.length) / 1000, 'mean measured ms': Math.round(xs.reduce((s, x) => s + x.measuredUs, 0) / xs.length) / 1000, meets: `${xs.filter((x) => x.meets).length}/${xs.length}` };
    });
    if (args.includes('--json')) {
      process.stdout.write(JSON.stringify({ rows: r.rows, means, loadBefore: r.loadBefore, loadAfter: r.loadAfter }, null, 2) + '\n');
      return;
    }
    printTable(rows, { title: 'derived networks: per-exit latency (sum of segment p50s), onnx int8, 1 thread' });
    printTable(means, { title: '\nby target set and exit' });
    const met = r.rows.filter((x) => x.meets).length;
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
    process.stdout.write(`\n${met}/${r.rows.length} (seed, target, exit) cases meet their target within +10 % (${((100 * met) / Math.max(1, r.rows.length)).toFixed(1)} %; goal ≥ 95 %)\n`);
    process.stdout.write(`load average (1, 5, 15 min): before ${load(r.loadBefore)}; after ${load(r.loadAfter)} on ${os.availableParallelism()} cores\n`);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
