/**
 * How well the latency table predicts segment latency (issue 18, part 1). For each preset (tiny, small): the
 * table (`profileOps`, measured here unless a complete one exists), then N random genotypes (seeds 1..N,
 * disjoint from the table's calibration seeds), each exported as an int8 bundle with the real export pipeline
 * and installed in a local agent, whose profiler measures every segment's p50 exactly as on the device (three
 * profiles per network, one in each of three rounds over all networks, median per segment: whole networks
 * measured faster or slower together here, from one measurement to the next).
 * Prints predicted (plain sum and with the learned correction) against measured per segment, the share of
 * segments within ±10 % (goal ≥ 95 %), and `uptime`'s load average before and after (the machine is shared).
 *
 * With `--remeasure`, every network is measured a second time after the first pass: how often two
 * measurements of the same segments agree within ±10 % is the noise floor of the figure on this machine.
 * Both ratios (predicted / measured, again / first) are also split into one factor per network and the rest
 * (`splitNetworkFactor`): a factor shared by all of a network's segments is the machine's speed while that
 * network was measured, not something the predictor can know from the network.
 *
 *   node --import tsx bench/latency-predictor.ts [--networks 15] [--presets tiny,small] [--runtime onnx]
 *        [--tables DIR] [--runs 200] [--passes 7] [--minutes 0] [--calibration-networks 48] [--remeasure] [--recalibrate]
 *        [--drift-reference (with --passes 1)] [--json]
 *
 * With `--recalibrate` (several passes), the table's calibration networks are measured again in the same rounds
 * as the networks and the correction is refitted on them: a second, diagnostic figure from a table calibrated at
 * the networks' moment (the mean error moved by up to ±9 % between the table's moment and the networks' here).
 *
 * Networks are measured in `--passes` rounds over all of them (default 7; median per segment), and more rounds
 * until `--minutes` have passed (default `CALIBRATION_MINUTES`, 0; a table measured here spans the same: with 10,
 * both levels are the machine's speed over ten minutes — session 11's run m), so that one network's profiles are
 * spread over the run; `--passes 1` takes them back to back (before session 9).
 * On this 2-vCPU VM run it pinned to one CPU, a minute or two after other work stopped:
 *   taskset -c 1 node --import tsx bench/latency-predictor.ts --remeasure
 * Unpinned, the thread moved between vCPUs whose speed differed by up to 1.5x at times, and a whole network
 * measured 5-15 % faster or slower from one measurement to the next (results/latency/README.md, session 9).
 *
 * With `--drift-reference`, the table's first calibration network is measured again before each network; the
 * ratio to its table entries is the machine's speed then against at table time, printed per network, and the
 * predictions scaled by it give a second, diagnostic figure (this VM changed speed by up to 30 % within minutes).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BundleRuntime } from '../src/bundle-format/manifest.ts';
import { buildMsRanas, type MsRanasConfig } from '../src/model/ms-ranas.ts';
import { getPreset } from '../src/model/presets.ts';
import { randomGenotype } from '../src/model/random-genotype.ts';
import { CALIBRATION_SEEDS, calibrationKey, calibrationSeedsFor, latencyConfigHash } from '../src/latency/op-models.ts';
import { indexTable, predictSegments } from '../src/latency/predict-segments.ts';
import { fitCorrection } from '../src/latency/fit-correction.ts';
import { profileOps } from '../src/latency/profile-ops.ts';
import { CALIBRATION_MINUTES, CALIBRATION_PASSES, calibrationGraph, exportLatencyBundle, profileBundlesInPasses, profileNetworkBundle } from '../src/latency/calibration-bundles.ts';
import { checkTableMatches, readLatencyTable } from '../src/latency/table-file.ts';
import { isCompleteTable, type LatencyTable } from '../src/bundle-format/latency-table.ts';
import { RanasError } from '../src/errors.ts';
import { printTable, type Row } from '../src/text-table.ts';

/** Rounds over the networks by default: as many as over the table's calibration networks. */
const DEFAULT_PASSES = CALIBRATION_PASSES;

/** Options of one bench run. */
export interface LatencyBenchOptions {
  presets: string[];
  /** Networks per preset. */
  networks: number;
  runtime: BundleRuntime;
  /** Folder of the tables (`latency-<preset>-<runtime>.json`; measured when missing or partial). */
  tablesDir: string;
  /** Agent profiler runs per segment (default 200, the agent's). */
  runs?: number;
  warmups?: number;
  /** Op-profiler runs per op model and round (default 100). */
  opRuns?: number;
  /** Agent profiles per network (median p50; default 3 with one pass, 1 per pass with several). */
  repeats?: number;
  /**
   * Rounds over all networks of a preset (default 7, as the calibration networks'): every network is exported once, then measured once per
   * round, and keeps the median per segment, so its profiles are spread over the run (`profileBundlesInPasses`).
   * 1: each network's profiles back to back, as before session 9.
   */
  passes?: number;
  /** Calibration networks of a table measured here (the first N of `CALIBRATION_SEEDS`; default all). */
  calibrationNetworks?: number;
  /** Rounds over the calibration networks of a table measured here (default `CALIBRATION_PASSES`). */
  calibrationPasses?: number;
  /**
   * Least time, minutes, that a table's calibration rounds span, and the networks' rounds too (default
   * `CALIBRATION_MINUTES`): more rounds until then, so both are the machine's speed over that time.
   */
  minutes?: number;
  /** Measure every network a second time after the first pass (the noise floor: measurement vs re-measurement). */
  remeasure?: boolean;
  /**
   * Measure the table's calibration networks again in the same rounds as the networks and refit the correction
   * on them: a second prediction per segment, from a table calibrated at the networks' moment (diagnostic).
   */
  recalibrate?: boolean;
  /**
   * Before each network, measure the table's first calibration network again: its time against the table's
   * entry for it is the machine's speed now against when the table was measured (a diagnostic: the
   * drift-normalised figure separates the predictor's error from the machine changing speed).
   */
  driftReference?: boolean;
  log?: (line: string) => void;
}

/** One segment of one network. */
export interface SegmentRow {
  preset: string;
  seed: number;
  segment: number;
  ops: number;
  sumUs: number;
  predictedUs: number;
  measuredUs: number;
  /** predicted / measured − 1. */
  error: number;
  /** Second measurement (with `remeasure`), µs. */
  remeasuredUs?: number;
  /** With `driftReference`: the reference network's time now / in the table, measured just before this network. */
  drift?: number;
  /** With `recalibrate`: predicted with the correction refitted on calibration networks measured in the same rounds, µs. */
  recalibratedUs?: number;
}

/** The bench's result. */
export interface LatencyBenchReport {
  rows: SegmentRow[];
  tables: Record<string, LatencyTable>;
  loadBefore: number[];
  loadAfter: number[];
  /** Share of segments within ±10 %: plain sum, and with the correction. */
  withinPlain: number;
  withinCorrected: number;
  /** With `remeasure`: share of segments whose two measurements agree within ±10 %. */
  withinRemeasured: number | null;
  /** With `driftReference`: share within ±10 % after scaling each prediction by the machine's drift (diagnostic). */
  withinDriftNormalised: number | null;
  /** With `recalibrate`: share within ±10 % of the predictions from the correction refitted in the same rounds. */
  withinRecalibrated: number | null;
}

function configOf(preset: string): MsRanasConfig {
  const p = getPreset(preset);
  if (p.kind !== 'ms-ranas') throw new RanasError('E_CLI_OPTION', `preset ${preset} is a ${p.kind} network; expected an MS-RANAS preset`);
  return p.config;
}

/** The table of `preset` in `dir`: read when complete, else measured (resumed). */
async function tableFor(preset: string, o: LatencyBenchOptions): Promise<{ table: LatencyTable; file: string }> {
  const file = path.join(o.tablesDir, `latency-${preset}-${o.runtime}.json`);
  const config = configOf(preset);
  if (fs.existsSync(file)) {
    const table = readLatencyTable(file);
    checkTableMatches(table, { configHash: latencyConfigHash(config), configName: preset, runtime: o.runtime, threads: 1 }, file);
    if (isCompleteTable(table) && table.correction) return { table, file };
  }
  const calibrationSeeds = calibrationSeedsFor(o.calibrationNetworks);
  const table = await profileOps({ config, configName: preset, runtime: o.runtime, threads: 1, out: file, runs: o.opRuns, calibrationSeeds, calibrationPasses: o.calibrationPasses, calibrationMinutes: o.minutes, log: o.log });
  return { table, file };
}

const within = (rows: readonly { error: number }[]) => (rows.length === 0 ? 0 : rows.filter((r) => Math.abs(r.error) <= 0.1).length / rows.length);

/** The table's first calibration network measured now, against its entries in the table (sum over segments). */
async function driftNow(config: MsRanasConfig, table: LatencyTable, o: LatencyBenchOptions): Promise<number> {
  const seed = CALIBRATION_SEEDS[0];
  const now = await profileNetworkBundle(calibrationGraph(config, seed), { runtime: o.runtime, threads: 1, runs: o.runs, warmups: o.warmups, repeats: o.repeats });
  const then = now.map((_, k) => table.entries.find((e) => e.key === calibrationKey(seed, k))?.p50Us ?? NaN);
  return now.reduce((s, x) => s + x.p50Us, 0) / then.reduce((s, x) => s + x, 0);
}

/** Every network of `preset` exported once, then measured in `passes` rounds (and again, with `remeasure`). */
async function measureInPasses(preset: string, config: MsRanasConfig, table: LatencyTable, file: string, o: LatencyBenchOptions): Promise<SegmentRow[]> {
  const index = indexTable(table, file);
  if (o.driftReference) throw new RanasError('E_CLI_OPTION', '--drift-reference measures a reference before each network; it needs --passes 1 (found several passes)');
  const log = o.log ?? (() => {});
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-latency-bench-'));
  try {
    const seeds = Array.from({ length: o.networks }, (_, i) => i + 1);
    const graphs = seeds.map((seed) => buildMsRanas(randomGenotype(seed, config.nodes), config, `${preset}-random-${seed}`));
    const calSeeds = o.recalibrate ? CALIBRATION_SEEDS.filter((seed) => table.entries.some((e) => e.key === calibrationKey(seed, 0))) : [];
    const calGraphs = new Map(calSeeds.map((seed) => [seed, calibrationGraph(config, seed)]));
    const dirs: string[] = [];
    for (const [i, g] of [...graphs, ...calGraphs.values()].entries()) dirs.push(await exportLatencyBundle(g, o.runtime, path.join(work, `export-${i}`)));
    const passes = o.passes ?? DEFAULT_PASSES;
    const minMinutes = o.minutes ?? CALIBRATION_MINUTES;
    const measure = () => profileBundlesInPasses(dirs, { runtime: o.runtime, threads: 1, runs: o.runs, warmups: o.warmups, repeats: o.repeats ?? 1, passes, minMinutes });
    log(`${preset}: ${dirs.length} networks exported (${calSeeds.length} of them calibration networks); ${passes} rounds over all of them, more until ${minMinutes} min have passed`);
    const measured = await measure();
    const again = o.remeasure ? await measure() : null;
    // The table with its calibration entries measured in these rounds, and the correction refitted on them.
    let recalibrated: ReturnType<typeof indexTable> | null = null;
    if (calSeeds.length > 0) {
      const now = new Map(calSeeds.flatMap((seed, j) => measured[graphs.length + j].map((m, k) => [calibrationKey(seed, k), m.p50Us] as const)));
      const entries = table.entries.map((e) => (now.has(e.key) ? { ...e, p50Us: now.get(e.key) ?? e.p50Us } : e));
      const refit = fitCorrection(indexTable({ ...table, entries }, file), calGraphs);
      recalibrated = indexTable({ ...table, entries, correction: refit }, file);
    }
    return graphs.flatMap((g, i) => {
      const predicted = predictSegments(g, index);
      const re = recalibrated ? predictSegments(g, recalibrated) : null;
      log(`${preset} seed ${seeds[i]}: ${measured[i].map((m, k) => `${predicted[k].predictedUs.toFixed(0)}/${m.p50Us.toFixed(0)} µs`).join(', ')}`);
      return measured[i].map((m, k): SegmentRow => {
        const p = predicted[k];
        return { preset, seed: seeds[i], segment: k, ops: p.ops, sumUs: p.sumUs, predictedUs: p.predictedUs, measuredUs: m.p50Us, error: p.predictedUs / m.p50Us - 1, ...(again ? { remeasuredUs: again[i][k].p50Us } : {}), ...(re ? { recalibratedUs: re[k].predictedUs } : {}) };
      });
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Runs the bench (see the file comment). */
export async function benchLatencyPredictor(o: LatencyBenchOptions): Promise<LatencyBenchReport> {
  const log = o.log ?? (() => {});
  if (o.recalibrate && (o.passes ?? DEFAULT_PASSES) <= 1) throw new RanasError('E_CLI_OPTION', `--recalibrate measures the calibration networks in the networks' rounds; it needs --passes 2 or more (found ${o.passes})`);
  calibrationSeedsFor(o.calibrationNetworks); // a bad count is refused before anything is measured
  const loadBefore = os.loadavg();
  fs.mkdirSync(o.tablesDir, { recursive: true });
  const rows: SegmentRow[] = [];
  const tables: Record<string, LatencyTable> = {};
  for (const preset of o.presets) {
    const { table, file } = await tableFor(preset, o);
    tables[preset] = table;
    const index = indexTable(table, file);
    const config = configOf(preset);
    if ((o.passes ?? DEFAULT_PASSES) > 1) {
      rows.push(...(await measureInPasses(preset, config, table, file, o)));
      continue;
    }
    for (let seed = 1; seed <= o.networks; seed++) {
      const graph = buildMsRanas(randomGenotype(seed, config.nodes), config, `${preset}-random-${seed}`);
      const predicted = predictSegments(graph, index);
      const drift = o.driftReference ? await driftNow(config, table, o) : undefined;
      const measured = await profileNetworkBundle(graph, { runtime: o.runtime, threads: 1, runs: o.runs, warmups: o.warmups, repeats: o.repeats });
      measured.forEach((s, k) => {
        const p = predicted[k];
        rows.push({ preset, seed, segment: k, ops: p.ops, sumUs: p.sumUs, predictedUs: p.predictedUs, measuredUs: s.p50Us, error: p.predictedUs / s.p50Us - 1, ...(drift === undefined ? {} : { drift }) });
      });
      log(`${preset} seed ${seed}: ${rows.filter((r) => r.preset === preset && r.seed === seed).map((r) => `${r.predictedUs.toFixed(0)}/${r.measuredUs.toFixed(0)} µs`).join(', ')}`);
    }
    for (let seed = 1; o.remeasure && seed <= o.networks; seed++) {
      const graph = buildMsRanas(randomGenotype(seed, config.nodes), config, `${preset}-random-${seed}`);
      const again = await profileNetworkBundle(graph, { runtime: o.runtime, threads: 1, runs: o.runs, warmups: o.warmups, repeats: o.repeats });
      rows.filter((r) => r.preset === preset && r.seed === seed).forEach((r) => { r.remeasuredUs = again[r.segment].p50Us; });
      log(`${preset} seed ${seed} again: ${again.map((a) => `${a.p50Us.toFixed(0)} µs`).join(', ')}`);
    }
  }
  return {
    rows,
    tables,
    loadBefore,
    loadAfter: os.loadavg(),
    withinPlain: within(rows.map((r) => ({ error: r.sumUs / r.measuredUs - 1 }))),
    withinCorrected: within(rows),
    withinRemeasured: o.remeasure ? within(rows.map((r) => ({ error: (r.remeasuredUs ?? NaN) / r.measuredUs - 1 }))) : null,
    withinDriftNormalised: o.driftReference ? within(rows.map((r) => ({ error: (r.predictedUs * (r.drift ?? NaN)) / r.measuredUs - 1 }))) : null,
    withinRecalibrated: o.recalibrate ? within(rows.map((r) => ({ error: (r.recalibratedUs ?? NaN) / r.measuredUs - 1 }))) : null,
  };
}

/** How much of a per-segment log ratio is one factor shared by a network's segments (the machine's speed while that network was measured). */
export interface NetworkFactorSplit {
  /** Standard deviation of the ratio over all segments, as a fraction (log scale). */
  sdTotal: number;
  /** The same after each network's mean log ratio is removed. */
  sdWithin: number;
  /** Share of the variance that is per-network (1 − within / total). */
  perNetworkShare: number;
  /** Share of segments within ±10 % once each network's own factor is removed (diagnostic, not the goal). */
  withinAfterRemoval: number;
}

/** Splits `ratio(row)` (e.g. measured again / first, or predicted / measured) into a per-network factor and the rest. */
export function splitNetworkFactor(rows: readonly SegmentRow[], ratio: (r: SegmentRow) => number): NetworkFactorSplit | null {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const v = Math.log(ratio(r));
    if (!Number.isFinite(v)) return null;
    groups.set(`${r.preset}/${r.seed}`, [...(groups.get(`${r.preset}/${r.seed}`) ?? []), v]);
  }
  const all = [...groups.values()].flat();
  if (all.length < 2) return null;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const m = mean(all);
  const total = all.reduce((s, x) => s + (x - m) ** 2, 0) / all.length;
  const residuals = [...groups.values()].flatMap((xs) => xs.map((x) => x - mean(xs)));
  const within = residuals.reduce((s, x) => s + x ** 2, 0) / all.length;
  return {
    sdTotal: Math.sqrt(total), sdWithin: Math.sqrt(within), perNetworkShare: total > 0 ? 1 - within / total : 0,
    withinAfterRemoval: residuals.filter((x) => Math.abs(Math.exp(x) - 1) <= 0.1).length / all.length,
  };
}

/** The printed tables: per segment, then per preset and segment index. */
export function latencyBenchTables(r: LatencyBenchReport): { segments: Row[]; summary: Row[] } {
  const segments = r.rows.map((x) => ({
    preset: x.preset, seed: x.seed, segment: x.segment + 1, ops: x.ops,
    'sum µs': Math.round(x.sumUs), 'predicted µs': Math.round(x.predictedUs), 'measured p50 µs': Math.round(x.measuredUs), 'error %': Math.round(x.error * 1000) / 10,
    ...(x.drift === undefined ? {} : { 'machine now / table': Math.round(x.drift * 1000) / 1000 }),
    ...(x.recalibratedUs === undefined ? {} : { 'recalibrated µs': Math.round(x.recalibratedUs), 'recalibrated error %': Math.round((x.recalibratedUs / x.measuredUs - 1) * 1000) / 10 }),
    ...(x.remeasuredUs === undefined ? {} : { 'measured again µs': Math.round(x.remeasuredUs), 'again vs first %': Math.round((x.remeasuredUs / x.measuredUs - 1) * 1000) / 10 }),
  }));
  const groups = new Map<string, SegmentRow[]>();
  for (const x of r.rows) groups.set(`${x.preset} segment ${x.segment + 1}`, [...(groups.get(`${x.preset} segment ${x.segment + 1}`) ?? []), x]);
  const summary = [...groups].map(([group, xs]) => ({
    group, segments: xs.length,
    'mean |error| %': Math.round((xs.reduce((s, x) => s + Math.abs(x.error), 0) / xs.length) * 1000) / 10,
    'within ±10 % (plain sum)': `${Math.round(within(xs.map((x) => ({ error: x.sumUs / x.measuredUs - 1 }))) * 100)} %`,
    'within ±10 %': `${Math.round(within(xs) * 100)} %`,
    ...(xs.every((x) => x.remeasuredUs !== undefined) ? { 'again within ±10 % of first': `${Math.round(within(xs.map((x) => ({ error: (x.remeasuredUs ?? NaN) / x.measuredUs - 1 }))) * 100)} %` } : {}),
  }));
  return { segments, summary };
}

/** The CPUs this process may run on (Linux: `Cpus_allowed_list`; `taskset -c 1` pins the whole bench to one). */
function cpusAllowed(): string {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown (no /proc/self/status)';
  }
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `--minutes` (the bench sits below src/cli in the layer order, so it checks its own flags). */
function minutesArg(text: string | undefined): number {
  const m = Number(text);
  if (!Number.isFinite(m) || m < 0) throw new RanasError('E_CLI_OPTION', `--minutes is ${text}; expected a number of minutes, 0 or more`);
  return m;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runtime = argValue(args, '--runtime') ?? 'onnx';
  if (runtime !== 'onnx' && runtime !== 'tflite') throw new RanasError('E_CLI_OPTION', `--runtime is ${runtime}; expected onnx or tflite`);
  const report = await benchLatencyPredictor({
    presets: (argValue(args, '--presets') ?? 'tiny,small').split(','),
    networks: Number(argValue(args, '--networks') ?? 15),
    runtime,
    tablesDir: argValue(args, '--tables') ?? path.join(os.tmpdir(), 'ranas-latency-tables'),
    runs: Number(argValue(args, '--runs') ?? 200),
    remeasure: args.includes('--remeasure'),
    recalibrate: args.includes('--recalibrate'),
    passes: Number(argValue(args, '--passes') ?? DEFAULT_PASSES),
    calibrationNetworks: argValue(args, '--calibration-networks') === undefined ? undefined : Number(argValue(args, '--calibration-networks')),
    minutes: argValue(args, '--minutes') === undefined ? undefined : minutesArg(argValue(args, '--minutes')),
    driftReference: args.includes('--drift-reference'),
    log: (l) => process.stderr.write(l + '\n'),
  });
  const t = latencyBenchTables(report);
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify({ ...t, report: { ...report, tables: undefined } }, null, 2) + '\n');
    return;
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
  printTable(t.segments, { title: `predicted vs measured segment p50 (${runtime} int8, 1 thread; agent profiler)` });
  printTable(t.summary, { title: '\nby segment' });
  const corr = Object.entries(report.tables).map(([p, tb]) => `${p} ${tb.correction?.segmentOverheadUs.map((c) => `${c.toFixed(0)}`).join('/')} µs${tb.correction?.primitiveScale ? ` + per-primitive shares, ridge weight ${tb.correction.ridgeLambda}, shrunk toward ${((tb.correction.commonShare ?? 0) * 100).toFixed(0)} %` : ''}`).join(', ');
  process.stdout.write(`\n${report.rows.length} segments of ${report.rows.length === 0 ? 0 : new Set(report.rows.map((r) => `${r.preset}/${r.seed}`)).size} networks: within ±10 %: ${(report.withinCorrected * 100).toFixed(1)} % with the correction (${corr}), ${(report.withinPlain * 100).toFixed(1)} % plain sum (goal ≥ 95 %)\n`);
  if (report.withinDriftNormalised !== null) process.stdout.write(`diagnostic, not the goal: predictions scaled by the machine's speed now / at table time (the first calibration network re-measured before each network) are within ±10 % for ${(report.withinDriftNormalised * 100).toFixed(1)} % of segments\n`);
  if (report.withinRecalibrated !== null) process.stdout.write(`with the correction refitted on the calibration networks measured in the same rounds as the networks: within ±10 % for ${(report.withinRecalibrated * 100).toFixed(1)} % of segments (diagnostic: the table calibrated at the networks' moment)\n`);
  if (report.withinRemeasured !== null) process.stdout.write(`noise floor: a second measurement of the same networks is within ±10 % of the first for ${(report.withinRemeasured * 100).toFixed(1)} % of segments\n`);
  const factorLine = (what: string, f: NetworkFactorSplit | null) => f && process.stdout.write(`${what}: spread ${(f.sdTotal * 100).toFixed(1)} % (sd), ${(f.perNetworkShare * 100).toFixed(0)} % of its variance is one factor per network (all its segments faster or slower together), ${(f.sdWithin * 100).toFixed(1)} % left within networks; without that factor ${(f.withinAfterRemoval * 100).toFixed(1)} % of segments are within ±10 % (diagnostic, not the goal)\n`);
  factorLine('predicted / measured', splitNetworkFactor(report.rows, (r) => r.predictedUs / r.measuredUs));
  if (report.withinRemeasured !== null) factorLine('measured again / first', splitNetworkFactor(report.rows, (r) => (r.remeasuredUs ?? NaN) / r.measuredUs));
  process.stdout.write(`load average (1, 5, 15 min): before ${load(report.loadBefore)}; after ${load(report.loadAfter)} on ${os.availableParallelism()} cores; this process may run on CPUs ${cpusAllowed()}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
