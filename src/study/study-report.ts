/**
 * results/study/README.md: what was run (command, commit, plan, seeds), what it cost (CPU-hours from the stage
 * markers), the per-exit table of every network, the searches' alpha entropy per epoch, the ablations by area
 * under the anytime curve, and the plots on both axes (MACs and milliseconds). Facts are computed here from
 * the stage results; the interpretation is `discussion.md` beside it, written by a person and included as is.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { areaUnder } from '../eval/anytime-curve.ts';
import { fitEpochBudget, type EpochBudgetFit, type GoalRunRule } from './epoch-budget.ts';
import { loadReferenceCurves } from '../eval/reference-curves.ts';
import type { StudyAblation, StudyNetwork, StudyPlan } from './study-plan.ts';
import { widthText } from './study-networks.ts';
import { loadGenotype } from '../model/genotype.ts';
import { renderCurveSvg, zoomedAccuracyDomain, type CurvePoint } from '../eval/curve-plot.ts';
import type { DeviceResult, ExportResult, SearchResult, TrainedNetwork } from './study-results.ts';

/** One network with whatever stages of it have finished. */
export interface NetworkRow {
  net: StudyNetwork;
  trained: TrainedNetwork | null;
  exported: ExportResult | null;
  device: DeviceResult | null;
}

/** One ablation with its finished stages. */
export interface AblationRow {
  ablation: StudyAblation;
  search: SearchResult | null;
  trained: TrainedNetwork | null;
}

/** The shipped network trained for one of the plan's shorter epoch counts. */
export interface EpochBudgetRow {
  epochs: number;
  trained: TrainedNetwork | null;
}

/** The comparison's best network trained for the epochs the validation fit of its shorter runs puts at the goal. */
export interface GoalRun {
  row: NetworkRow;
  /** The power law through the last exit's validation error of the shorter runs and the comparison run. */
  fit: EpochBudgetFit | null;
  epochs: number;
  rule: GoalRunRule;
}

/** A finished (or skipped) stage as its marker records it, or the stage in flight with its time so far. */
export interface StageCost {
  stage: string;
  seconds: number;
  cpuSeconds: number;
  /** The stage is still running (its ledger, not its marker). */
  inFlight?: boolean;
}

/** Everything the report is made from. */
export interface StudyReportInput {
  plan: StudyPlan;
  command: string;
  commit: string;
  dataNote: string;
  searches: SearchResult[];
  networks: NetworkRow[];
  ablations: AblationRow[];
  /** The comparison's best MS-RANAS network (null until chosen), its shorter runs, and its goal run. */
  epochBudget: { network: string | null; rows: EpochBudgetRow[]; goal: GoalRun | null };
  costs: StageCost[];
  /** Stages not finished yet (the study is resumable). */
  pending: string[];
  /** Written between stages while the study runs (the pending list is not known yet), not at its end. */
  running: boolean;
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(2));
const mmacs = (x: number): string => (x / 1e6).toFixed(2);
const ms = (us: number | undefined): string => (us === undefined || !Number.isFinite(us) ? '–' : (us / 1000).toFixed(3));

/** Cumulative p50/p99 (µs) of answering at each exit: segments 0..k, plus the request overhead at p50. */
export function exitLatencyUs(d: DeviceResult): { p50Us: number; p99Us: number }[] {
  let p50 = d.overheadP50Us;
  let p99 = d.overheadP50Us;
  return d.segments.map((s) => ({ p50Us: (p50 += s.p50Us), p99Us: (p99 += s.p99Us) }));
}

/** Normalised area under accuracy vs anytime MACs over a shared range [0, hiMacs] (0 before the first exit). */
export function sharedArea(t: TrainedNetwork, which: 'valTop1' | 'testTop1', hiMacs: number): number {
  return areaUnder(t.exits.map((e) => ({ mmacs: e.anytimeMacs / 1e6, accuracy: e[which] })), [0, hiMacs / 1e6]);
}

function networkTable(rows: NetworkRow[]): string {
  const lines = [
    '| network | exit | anytime MMACs | params to the exit | val top-1 % | test top-1 % fp32 | int8 TFLite % | int8 ONNX % | p50 ms | p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    if (!r.trained) { lines.push(`| ${r.net.label} | pending | | | | | | | | |`); continue; }
    const lat = r.device ? exitLatencyUs(r.device) : [];
    r.trained.exits.forEach((e, k) => {
      lines.push(`| ${k === 0 ? `${r.net.label} (\`${r.net.name}\`, ${r.trained ? widthText(r.trained.width) : ''})` : ''} | ${e.exit} | ${mmacs(e.anytimeMacs)} | ${e.params.toLocaleString('en-US')} | ${pct(e.valTop1)} | ${pct(e.testTop1)} | ${pct(r.exported?.int8Tflite[k])} | ${pct(r.exported?.int8Onnx[k])} | ${ms(lat[k]?.p50Us)} | ${ms(lat[k]?.p99Us)} |`);
    });
  }
  return lines.join('\n');
}

function areaTable(rows: NetworkRow[]): string {
  const done = rows.filter((r) => r.trained !== null);
  if (done.length === 0) return '(no network trained yet)';
  const hi = Math.max(...done.map((r) => r.trained?.exits.at(-1)?.anytimeMacs ?? 0));
  const lines = [`| network | params | last exit test % | area val % | area test % (0–${mmacs(hi)} MMACs) |`, '|---|---|---|---|---|'];
  for (const r of done) {
    const t = r.trained;
    if (!t) continue;
    lines.push(`| ${r.net.label} | ${t.params.toLocaleString('en-US')} | ${pct(t.exits.at(-1)?.testTop1)} | ${pct(sharedArea(t, 'valTop1', hi))} | ${pct(sharedArea(t, 'testTop1', hi))} |`);
  }
  return lines.join('\n');
}

/** The cells a search derived, as `op(input)` per edge: what a reader wants to see, not just its hash. */
function genotypeText(file: string): string {
  if (!existsSync(file)) return '';
  const g = loadGenotype(file);
  const cell = (edges: typeof g.normal) => edges.map(([op, from]) => `${op}(${from})`).join(' ');
  return `normal: ${cell(g.normal)}; reduce: ${cell(g.reduce)}`;
}

function searchTable(searches: SearchResult[], plan: StudyPlan): string {
  if (searches.length === 0) return '(no search finished yet)';
  const lines = ['| search | settings | genotype (each edge: op(input state)) | epochs: mean alpha entropy normal / reduce (uniform = ' + searches[0].uniformEntropy.toFixed(3) + ') |', '|---|---|---|---|'];
  const all = [...plan.searches, ...plan.ablations.map((a) => a.search)];
  for (const s of searches) {
    const p = all.find((x) => x.name === s.name);
    const settings = p ? `seed ${p.seed}, ${p.scales} scales, exits ${p.exits ? 'on' : 'off'}, cutout ${p.cutoutPx} px, ${p.epochs} epochs (${p.warmupEpochs} weights-only) on ${p.subset} images, batch ${p.batchSize}, alpha lr ${p.alphaLr}` : '';
    lines.push(`| ${s.name} | ${settings} | \`${s.genotypeHash}\` ${genotypeText(s.genotypePath)} | ${s.epochs.map((e) => `${e.epoch}: ${e.entropyNormal.toFixed(3)}/${e.entropyReduce.toFixed(3)}`).join(', ')} |`);
  }
  return lines.join('\n');
}

/** Per epoch, the last exit's mean training loss and (where the run measured it) its validation top-1. */
function learningCurves(rows: NetworkRow[]): string {
  const done = rows.flatMap((r) => (r.trained ? [r.trained] : []));
  if (done.length === 0) return '(no network trained yet)';
  const epochs = Math.max(...done.map((t) => t.epochs.length));
  const header = `| network | last exit | ${Array.from({ length: epochs }, (_, i) => i + 1).join(' | ')} |`;
  const lines = [header, `|---|---|${'---|'.repeat(epochs)}`];
  for (const t of done) {
    const cells = (f: (e: (typeof t.epochs)[number]) => string) => Array.from({ length: epochs }, (_, i) => (t.epochs[i] ? f(t.epochs[i]) : '')).join(' | ');
    lines.push(`| ${t.label} | training loss | ${cells((e) => (e.exitLosses.at(-1) ?? e.loss).toFixed(3))} |`);
    if (t.epochs.some((e) => e.valTop1)) lines.push(`|  | validation top-1 % | ${cells((e) => (e.valTop1 ? (100 * (e.valTop1.at(-1) ?? 0)).toFixed(1) : '–'))} |`);
  }
  return lines.join('\n');
}

/** Final accuracy of the shipped network against its training epochs, and the power law's epochs to the goal. */
function epochBudgetTable(r: StudyReportInput): string {
  const full = r.networks.find((n) => n.net.name === r.epochBudget.network)?.trained;
  if (!full) return '(runs after the network to ship is chosen)';
  const runs = [...r.epochBudget.rows.flatMap((b) => (b.trained ? [{ epochs: b.epochs, t: b.trained }] : [])), { epochs: r.plan.recipe.epochs, t: full }]
    .sort((a, b) => a.epochs - b.epochs);
  const hi = full.exits.at(-1)?.anytimeMacs ?? 0;
  const lines = [`| epochs | ${full.exits.map((e) => `exit ${e.exit} test %`).join(' | ')} | last exit val % | area test % (0–${mmacs(hi)} MMACs) | training wall s |`, `|---|${'---|'.repeat(full.exits.length + 3)}`];
  for (const { epochs, t } of runs) {
    const wall = t.epochs.reduce((s, e) => s + e.seconds, 0);
    lines.push(`| ${epochs} | ${t.exits.map((e) => pct(e.testTop1)).join(' | ')} | ${pct(t.exits.at(-1)?.valTop1)} | ${pct(sharedArea(t, 'testTop1', hi))} | ${wall.toFixed(0)} |`);
  }
  const goal = r.plan.epochBudget.goalTop1;
  const fit = fitEpochBudget(runs.map(({ epochs, t }) => ({ epochs, top1: t.exits.at(-1)?.testTop1 ?? 0 })), goal);
  const goalText = `${(100 * goal).toFixed(0)} % top-1 at the last exit`;
  const fitText = fit === null
    ? `(a fit needs runs of at least two epoch counts; ${runs.length} so far)`
    : fit.epochsToGoal === null
      ? `A power law through these points does not fall with epochs (k = ${fit.k.toFixed(3)}): no epoch count for ${goalText} can be read from them.`
      : `A power law through the last exit's test error, err(E) = ${fit.a.toFixed(3)} · E^−${fit.k.toFixed(3)} (worst residual ${(100 * (Math.exp(fit.worstLogResidual) - 1)).toFixed(1)} % of the error), reaches ${goalText} at **E ≈ ${Math.ceil(fit.epochsToGoal).toLocaleString('en-US')} epochs** of this recipe. This is an extrapolation from ${runs.length} runs of ${runs.map((x) => x.epochs).join(', ')} epochs, not a measurement.`;
  return [lines.join('\n'), '', fitText, '', goalRunText(r)].join('\n');
}

/** The goal run: the rule, what the validation fit said, and the network it gave (per exit, as the comparison's). */
function goalRunText(r: StudyReportInput): string {
  const g = r.epochBudget.goal;
  const rule = r.plan.epochBudget.goalRun;
  if (!rule) return '';
  const head = `**Goal run.** The plan's rule: fit the same power law to the last exit's *validation* error of the runs above (test images are not used to choose), train the network for ${rule.margin} × the fit's epochs to ${(100 * r.plan.epochBudget.goalTop1).toFixed(0)} %, rounded up, at most ${rule.maxEpochs} epochs (the cap also applies when the fit gives no answer).`;
  if (!g) return `${head} (runs after the shorter runs)`;
  const fitText = g.fit?.epochsToGoal == null ? 'the fit gave no epoch count' : `the validation fit, err(E) = ${g.fit.a.toFixed(3)} · E^−${g.fit.k.toFixed(3)}, puts it at E ≈ ${g.fit.epochsToGoal.toFixed(1)}`;
  const capped = g.fit?.epochsToGoal != null && Math.ceil(g.rule.margin * g.fit.epochsToGoal) > g.rule.maxEpochs ? ' (capped)' : '';
  return [`${head} Here ${fitText}, so it trained **${g.epochs} epochs**${capped}:`, '', g.row.trained ? networkTable([g.row]) : '(training)'].join('\n');
}

function ablationTable(rows: AblationRow[]): string {
  const done = rows.filter((r) => r.trained !== null);
  if (done.length === 0) return '(no ablation finished yet)';
  const hi = Math.max(...done.map((r) => r.trained?.exits.at(-1)?.anytimeMacs ?? 0));
  const lines = [`| ablation | genotype | params | last exit val % | area val % (0–${mmacs(hi)} MMACs) |`, '|---|---|---|---|---|'];
  for (const r of done) {
    if (!r.trained) continue;
    lines.push(`| ${r.ablation.label} | \`${r.search?.genotypeHash ?? '?'}\` | ${r.trained.params.toLocaleString('en-US')} | ${pct(r.trained.exits.at(-1)?.valTop1)} | ${pct(sharedArea(r.trained, 'valTop1', hi))} |`);
  }
  return lines.join('\n');
}

/**
 * Published curves for the plan's dataset and setting (models/reference-curves/), drawn hollow and labelled as
 * published at full scale. For CIFAR-10 the authors' MSDNet budgeted-batch curve is there; no anytime points
 * of MSDNet or of the MS-RANAS paper are published as numbers (the paper's Figure 9 is a plot only).
 */
function publishedPoints(root: string, dataset: string, setting: 'anytime' | 'budgeted'): CurvePoint[] {
  const dir = join(root, 'models', 'reference-curves');
  if (!existsSync(dir)) return [];
  return loadReferenceCurves('all', dir).filter((c) => c.dataset === dataset && c.setting === setting)
    .flatMap((c) => c.points.map((p) => ({ series: c.name, x: p.mmacs, accuracy: p.accuracy, published: true })));
}

/** What the hollow markers are, and why a setting has none. */
export function publishedNote(root: string, dataset: string): string {
  const names = (setting: 'anytime' | 'budgeted') => [...new Set(publishedPoints(root, dataset, setting).map((p) => p.series))];
  const anytime = names('anytime');
  const budgeted = names('budgeted');
  const drawn = [...anytime, ...budgeted];
  return (drawn.length > 0 ? `Hollow markers are published results at full scale, not runs of this study: ${drawn.join('; ')} (models/reference-curves/), on the MACs axis only.` : `No published ${dataset} curves are in models/reference-curves/.`) +
    (anytime.length === 0 ? ` The anytime plots have none: no published ${dataset} anytime numbers are in models/reference-curves/ (the MS-RANAS paper gives its anytime results as plots without numbers, Figures 9 and 10).` : '');
}

/** Writes the plots and README.md into `dir`; returns the README text. */
export async function writeStudyReport(dir: string, root: string, r: StudyReportInput): Promise<string> {
  const done = r.networks.filter((n) => n.trained !== null);
  const chance = 10;
  const anytime: CurvePoint[] = done.flatMap((n) => (n.trained?.exits ?? []).map((e) => ({ series: n.net.label, x: e.anytimeMacs / 1e6, accuracy: 100 * e.testTop1 })));
  const budgeted: CurvePoint[] = done.flatMap((n) => (n.trained?.budgeted ?? []).map((b) => ({ series: n.net.label, x: b.mmacs, accuracy: 100 * b.accuracy })));
  const latency: CurvePoint[] = done.flatMap((n) => {
    if (!n.device || !n.exported) return [];
    const lat = exitLatencyUs(n.device);
    const acc = n.device.bundle === 'onnx-int8' ? n.exported.int8Onnx : n.exported.int8Tflite;
    return acc.flatMap((a, k): CurvePoint[] => (a === null || !lat[k] ? [] : [{ series: n.net.label, x: lat[k].p50Us / 1000, accuracy: 100 * a }]));
  });
  // Budgeted batch on the latency axis: each image pays the p50 to the exit it left at (trunk and heads up to
  // it, plus the request overhead), so the mean per image is the exit shares times those latencies.
  const budgetedMs: CurvePoint[] = done.flatMap((n) => {
    if (!n.device || !n.trained) return [];
    const lat = exitLatencyUs(n.device);
    if (lat.length !== n.trained.exits.length) return [];
    return n.trained.budgeted.map((b) => ({ series: n.net.label, x: b.exitFractions.reduce((s, f, k) => s + f * lat[k].p50Us, 0) / 1000, accuracy: 100 * b.accuracy }));
  });
  const sweep: CurvePoint[] = done.flatMap((n) => (n.device?.sweep ?? []).map((s) => ({ series: n.net.label, x: s.budgetUs / 1000, accuracy: 100 * s.accuracy })));
  const plots: [string, CurvePoint[], string, string][] = [
    ['anytime-macs.svg', [...anytime, ...publishedPoints(root, r.plan.data, 'anytime')], 'Anytime: fp32 top-1 of each exit vs what the device pays to reach it (test set)', 'anytime MACs / 1e6 (trunk + every head up to the exit)'],
    ['anytime-ms.svg', latency, 'Anytime on the local agent: int8 top-1 of each exit vs cumulative p50 latency', 'p50 latency to the exit (ms, this machine, the agent\'s int8 bundle)'],
    ['budgeted-macs.svg', [...budgeted, ...publishedPoints(root, r.plan.data, 'budgeted')], 'Budgeted batch: thresholds chosen on validation, measured on test', 'mean MACs / 1e6 per image'],
    ['budgeted-ms.svg', budgetedMs, 'Budgeted batch on the local agent: fp32 top-1 vs mean p50 latency per image (exit shares x p50 to each exit)', 'mean p50 latency per image (ms, this machine, the agent\'s int8 bundle)'],
    ['budget-sweep-ms.svg', sweep, 'Deadline policy on the local agent: accuracy vs per-request budget', 'budget per request (ms)'],
  ];
  for (const [file, points, title, xTitle] of plots) {
    // The study's curves sit between ~60 and ~95 %: on a 0-100 axis the networks could not be told apart.
    if (points.length > 0) writeFileSync(join(dir, file), await renderCurveSvg(points, title, xTitle, chance, false, zoomedAccuracyDomain(points)));
  }
  const cpuHours = r.costs.reduce((s, c) => s + c.cpuSeconds, 0) / 3600;
  const wallHours = r.costs.reduce((s, c) => s + c.seconds, 0) / 3600;
  const discussionPath = join(dir, 'discussion.md');
  const discussion = existsSync(discussionPath) ? readFileSync(discussionPath, 'utf8').trim() : '_Not written yet: the study is still running._';
  const p = r.plan;
  const text = [
    `# Study: MS-RANAS against its baselines (${p.name} plan)`,
    '',
    `Reproduce or resume: \`${r.command}\` (every stage resumes from its checkpoint; finished stages are reused from \`stages/\`).`,
    `Code: commit \`${r.commit}\`. Data: ${r.dataNote}; ${p.valImages} training images held out for validation (model selection, budgeted-batch thresholds); the test set is used only for the tables below.`,
    '',
    `**${r.running || r.pending.length > 0 ? 'Budget so far' : 'Budget (measured)'}:** ${cpuHours.toFixed(2)} CPU-hours (process user + system time, all threads) in ${wallHours.toFixed(2)} h of stage wall time, over ${r.costs.filter((c) => !c.inFlight).length} finished stages${r.costs.some((c) => c.inFlight) ? ' and the time so far of the stage in flight' : ''}.` +
      (r.running ? ' **The study is still running**: this report is rewritten as each stage ends.' : r.pending.length > 0 ? ` **Not finished:** ${r.pending.join(', ')}.` : ' All stages finished.'),
    '',
    '## What the result says',
    '',
    discussion,
    '',
    '## Networks (same recipe, same epochs, parameters matched to the reference)',
    '',
    `Recipe: ${p.recipe.epochs} epochs, batch ${p.recipe.batchSize}, SGD lr ${p.recipe.lr} cosine to ${p.recipe.lrMin}, momentum ${p.recipe.momentum}, weight decay ${p.recipe.weightDecay}, clip ${p.recipe.gradClip}, cutout ${p.recipe.cutoutPx} px, drop-path ${p.recipe.dropPath}; seed ${p.seed}. Grid: ${p.grid.scales} scales, ${p.grid.layers} layers, ${p.grid.nodes}-node cells, reduction at layer(s) ${p.grid.reductionLayers.join(', ')}, exits on every layer but the first. Parameters matched to \`${p.reference}\` within ±${(100 * p.paramTolerance).toFixed(0)} % by choosing each network's width.`,
    '',
    `"anytime MMACs": what the device pays to answer at that exit (the trunk up to it plus every classifier head up to it, one multiply-add = one MAC). Latency: the plan's int8 device bundle (\`${p.export.deviceBundle}\`) on a local \`ranas-agent\` on this machine (profile p50/p99 per segment, summed to the exit, plus the request overhead at p50); this is x86 latency, not a Raspberry Pi figure.`,
    '',
    networkTable(r.networks),
    '',
    '### Area under the anytime curve (shared MACs range)',
    '',
    areaTable(r.networks),
    '',
    '### Learning curves (per epoch; validation top-1 where the run measured it after every epoch)',
    '',
    learningCurves(r.epochBudget.goal ? [...r.networks, r.epochBudget.goal.row] : r.networks),
    '',
    `### Accuracy against training epochs (the comparison's best MS-RANAS network \`${r.epochBudget.network ?? 'not chosen yet'}\`, the same recipe for other epoch counts)`,
    '',
    epochBudgetTable(r),
    '',
    '## Searches',
    '',
    searchTable(r.searches, p),
    '',
    '## Ablations (search switches; short training of each derived genotype, compared on validation)',
    '',
    `Each: a search of ${p.ablations[0]?.search.epochs ?? '-'} epochs on ${p.ablations[0]?.search.subset ?? '-'} images, then ${p.ablationRecipe.epochs} epochs of training.`,
    '',
    ablationTable(r.ablations),
    '',
    '## Plots',
    '',
    publishedNote(root, r.plan.data),
    '',
    ...plots.filter(([file]) => existsSync(join(dir, file))).map(([file, , title]) => `![${title}](${file})`),
    '',
    '## Stage costs',
    '',
    '| stage | wall s | CPU s |',
    '|---|---|---|',
    ...r.costs.map((c) => `| ${c.stage} | ${c.seconds.toFixed(0)} | ${c.cpuSeconds.toFixed(0)} |`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'README.md'), text);
  return text;
}
