/**
 * `ranas study`: runs or resumes the whole study of a plan, stage by stage. Each stage is a checkpointed run
 * (search and training resume from their checkpoints after a kill); when a stage ends, its small outputs
 * (genotypes, trained weights, evaluation JSON, latency profiles) are written under the results folder with a
 * marker in `stages/`, and with `--git-commit` committed at once, so a new machine loses at most the stage
 * in flight. The README and plots are rewritten after every stage.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSigningKeyPair } from '../../firmware-bridge/auth/signing-keys.ts';
import { StageRunner } from '../demo/stage.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { PRETRAINED_FOLDER } from '../pretrained-models.ts';
import { RanasError } from '../errors.ts';
import { loadGenotype, type Genotype } from '../model/genotype.ts';
import { genotypePath } from '../model/presets.ts';
import { randomGenotype } from '../model/random-genotype.ts';
import { searchSupernetConfig } from '../search/search-options.ts';
import { networkToShip, shipStage } from './ship-stage.ts';
import { loadStudyData, type StudyData } from './study-data.ts';
import { buildNetwork, candidateWidths, gridConfig, matchMsRanasParams, matchParams, paramsOf } from './study-networks.ts';
import type { GenotypeSource, StudyPlan, StudyRecipe, StudySearch } from './study-plan.ts';
import { writeStudyReport, type AblationRow, type EpochBudgetRow, type GoalRun, type NetworkRow } from './study-report.ts';
import { fitEpochBudget, goalEpochs } from './epoch-budget.ts';
import { stageCosts } from './stage-costs.ts';
import { STAGE_CHECKS, type DeviceResult, type SearchResult, type TrainedNetwork } from './study-results.ts';
import { deviceStage, exportStage, searchStage, trainStage, type NetworkToTrain, type StudyDirGroup, type StudyDirs } from './study-stages.ts';

const REPO_ROOT = PACKAGE_ROOT;

/** Options of one `ranas study` invocation. */
export interface StudyOptions {
  plan: StudyPlan;
  /** Committed outputs (default results/study, or results/study-smoke for the smoke plan). */
  resultsDir: string;
  /** Checkpoints and bundles (default runs/study). */
  workDir: string;
  /** Data-parallel replicas for search and training. */
  threads: number;
  /** `git add` + `git commit` the results folder after every stage that ran. */
  gitCommit: boolean;
  /** Skip the device stages (no socat / pty here). */
  skipDevice: boolean;
  /** Stop after this many stages have run in this invocation (0 = no limit); the next run resumes. */
  maxStages: number;
  /** Run no stage: rewrite the report from the finished stages. */
  reportOnly?: boolean;
  /** How the study was started, written into the README. */
  command: string;
  /** Where the best network ships (default models/pretrained of the checkout). */
  pretrainedDir?: string;
}

/** What a study run leaves. */
export interface StudySummary {
  readme: string;
  ran: string[];
  pending: string[];
}

function gitCommitOf(root: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Commits the results folder when it changed (the study's small outputs, stage by stage). */
export function commitResults(dir: string, stage: string, say: (l: string) => void, also: string[] = []): void {
  const git = (args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  const paths = ['.', ...also.filter((p) => existsSync(p))];
  if (git(['status', '--porcelain', '--', ...paths]).trim() === '') return;
  git(['add', '--', ...paths]);
  git(['commit', '-q', '-m', `study: ${stage} finished (results in ${dir})`, '--', ...paths]);
  say(`[${stage}] committed ${dir}`);
}

/** The search's supernet must be the plan's grid (the search builds from a preset plus overrides). */
function checkSearchGrid(plan: StudyPlan, s: StudySearch): void {
  const sup = searchSupernetConfig({ preset: 'tiny', nodes: plan.grid.nodes, scales: s.scales, layers: plan.grid.layers, initChannels: plan.grid.initChannels, searchExits: s.exits, seed: s.seed });
  const want = gridConfig(plan.grid, s.scales, plan.grid.initChannels, s.seed);
  // Per-scale lists are read for the first `scales` entries only (the builder ignores the rest): a 1-scale
  // search of the tiny preset carries growth [1, 2], the same supernet as the grid's [1].
  const perScale = new Set(['growth', 'bottleneckWidth']);
  const used = (k: string, v: unknown) => (perScale.has(k) && Array.isArray(v) ? v.slice(0, s.scales) : v);
  for (const k of ['reductionLayers', 'growth', 'bottleneckWidth', 'head'] as const) {
    if (JSON.stringify(used(k, sup[k])) !== JSON.stringify(used(k, want[k]))) throw new RanasError('E_STUDY_PLAN', `search ${s.name}: the supernet's ${k} is ${JSON.stringify(sup[k])}; the plan's grid has ${JSON.stringify(want[k])}`);
  }
}

/** Where a plan ships its best network: the full plan into the checkout's models/pretrained, a smoke run into its work folder. */
export function defaultPretrainedDir(plan: StudyPlan, workDir: string): string {
  return plan.name === 'full' ? join(REPO_ROOT, ...PRETRAINED_FOLDER) : join(workDir, 'pretrained');
}

/** Runs or resumes the study. */
export async function runStudy(o: StudyOptions, say: (line: string) => void): Promise<StudySummary> {
  const plan = o.plan;
  const dirs: StudyDirs = { results: resolve(o.resultsDir), work: resolve(o.workDir) };
  const pretrainedDir = resolve(o.pretrainedDir ?? defaultPretrainedDir(plan, dirs.work));
  mkdirSync(dirs.results, { recursive: true });
  mkdirSync(dirs.work, { recursive: true });
  writeFileSync(join(dirs.results, 'plan.json'), JSON.stringify(plan, null, 2) + '\n');
  // Paths in the committed markers are relative to the results and work folders: a clone elsewhere finds them.
  const stages = new StageRunner(dirs.results, false, say, { '@results': dirs.results, '@work': dirs.work, '@pretrained': pretrainedDir });
  const ran: string[] = [];
  const pending: string[] = [];
  const data: StudyData = await loadStudyData(plan, say);
  say(`data: ${data.note}; ${data.train.count} train, ${data.val.count} validation, ${data.test.count} test images`);
  const linkKeyFile = join(dirs.work, 'device.key');
  if (!existsSync(linkKeyFile)) writeFileSync(linkKeyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  const signingBase = join(dirs.work, 'signing');
  const signing = existsSync(`${signingBase}.key`) ? { privateFile: `${signingBase}.key`, publicFile: `${signingBase}.pub` } : generateSigningKeyPair(signingBase);
  const keys = { linkKeyFile, signingKeyFile: signing.privateFile, publicKeyFile: signing.publicFile };

  /** Runs one stage unless the per-invocation limit is reached (then it is listed as pending). */
  // `record` puts the result where the report reads it, before the report is written.
  async function stage<T>(name: string, key: unknown, work: () => Promise<T>, check: { parse: (v: unknown) => T | null; valid: (r: T) => boolean }, record: (r: T) => void = () => {}): Promise<T | null> {
    const before = stages.times.length;
    if (o.reportOnly === true || (o.maxStages > 0 && ran.length >= o.maxStages)) {
      const stored = stages.stored(name, key, check);
      if (stored === null) pending.push(name);
      else record(stored);
      return stored;
    }
    const result = await stages.run(name, key, work, check);
    record(result);
    if (stages.times[before]?.status === 'ran') {
      ran.push(name);
      await report(true);
      if (o.gitCommit) commitResults(dirs.results, name, say, [pretrainedDir]);
    }
    return result;
  }

  const searches = new Map<string, SearchResult>();
  const networkRows: NetworkRow[] = plan.networks.map((net) => ({ net, trained: null, exported: null, device: null }));
  const built = new Map<string, NetworkToTrain>();
  const budgetRows: EpochBudgetRow[] = [];
  const ablationRows: AblationRow[] = plan.ablations.map((ablation) => ({ ablation, search: null, trained: null }));
  let shippedName: string | null = null;
  let goal: GoalRun | null = null;
  const report = async (running: boolean) => {
    await writeStudyReport(dirs.results, REPO_ROOT, {
      plan, command: o.command, commit: gitCommitOf(REPO_ROOT), dataNote: data.note, searches: [...searches.values()],
      networks: networkRows, ablations: ablationRows, epochBudget: { network: shippedName, rows: budgetRows, goal }, costs: stageCosts(dirs.results), pending, running,
    });
  };

  // Every search's supernet is checked against the grid before any stage runs: a plan error shows in seconds,
  // not hours into the study.
  for (const s of [...plan.searches, ...plan.ablations.map((a) => a.search)]) checkSearchGrid(plan, s);
  const runSearchStage = async (s: StudySearch) => {
    return stage(`search-${s.name}`, { s, grid: plan.grid, data: plan.data, valImages: plan.valImages }, () => searchStage(plan, s, data, dirs, o.threads, say), STAGE_CHECKS.search, (r) => searches.set(s.name, r));
  };
  // Searches a network needs run first; the others (a second seed, say) after the comparison and the ablations.
  const needed = new Set(plan.networks.flatMap((n) => (n.kind === 'ms-ranas' && n.genotype.from === 'search' ? [n.genotype.search] : [])));
  for (const s of plan.searches) if (needed.has(s.name)) await runSearchStage(s);

  const genotypeOf = (src: GenotypeSource): Genotype | null => {
    if (src.from === 'random') return randomGenotype(src.seed, plan.grid.nodes);
    if (src.from === 'shipped') return loadGenotype(genotypePath(src.stem));
    const s = searches.get(src.search);
    return s ? loadGenotype(s.genotypePath) : null;
  };
  const refNet = plan.networks.find((n) => n.name === plan.reference);
  if (!refNet) throw new RanasError('E_STUDY_PLAN', `reference network ${plan.reference} is not in the plan's networks (${plan.networks.map((n) => n.name).join(', ')})`);
  const refGenotype = refNet.kind === 'msdnet' ? null : genotypeOf(refNet.genotype);
  const targetParams = refNet.kind === 'msdnet' || refGenotype ? paramsOf(buildNetwork(refNet, plan.grid, refGenotype, { channels: plan.grid.initChannels }, plan.seed)) : null;

  const trainNetwork = async (row: { trained: TrainedNetwork | null }, toTrain: NetworkToTrain, recipe: StudyRecipe, group: StudyDirGroup, prefix: string) => {
    await stage(`${prefix}-${toTrain.name}`, { recipe, width: toTrain.width, genotype: toTrain.genotype, kind: toTrain.graph.name, params: paramsOf(toTrain.graph), data: plan.data, valImages: plan.valImages, testImages: plan.testImages, seed: plan.seed },
      () => trainStage(plan, toTrain, recipe, group, data, dirs, o.threads, say), STAGE_CHECKS.train, (r) => { row.trained = r; });
  };

  // Every network is sized before the first one trains (a network that cannot be matched stops the study now).
  for (const net of plan.networks) {
    const genotype = net.kind === 'msdnet' ? null : genotypeOf(net.genotype);
    if ((net.kind !== 'msdnet' && !genotype) || targetParams === null) continue;
    const sized = net.name === plan.reference
      ? { graph: buildNetwork(net, plan.grid, genotype, { channels: plan.grid.initChannels }, plan.seed), width: { channels: plan.grid.initChannels } }
      : net.kind === 'ms-ranas'
        ? matchMsRanasParams(plan.grid, (w) => buildNetwork(net, plan.grid, genotype, w, plan.seed), targetParams, plan.paramTolerance, net.name)
        : matchParams(candidateWidths(net.kind), (w) => buildNetwork(net, plan.grid, genotype, w, plan.seed), targetParams, plan.paramTolerance, net.name);
    built.set(net.name, { name: net.name, label: net.label, graph: sized.graph, width: sized.width, genotype });
  }
  /** A trained network's int8 exports, then their latency on the local agent. */
  const exportAndMeasure = async (row: NetworkRow) => {
    const name = row.net.name;
    const trained = row.trained;
    if (!trained) { pending.push(`export-${name}`, `device-${name}`); return; }
    const weightsKey = { model: trained.name, exits: trained.exits.map((e) => e.valTop1), export: plan.export };
    await stage(`export-${name}`, weightsKey, () => exportStage(plan, trained, data, dirs, say), STAGE_CHECKS.export, (r) => { row.exported = r; });
    const exported = row.exported;
    if (!exported || o.skipDevice) { if (!o.skipDevice) pending.push(`device-${name}`); return; }
    await stage<DeviceResult>(`device-${name}`, weightsKey, () => deviceStage(plan, name, exported, data, dirs, keys, say), STAGE_CHECKS.device, (r) => { row.device = r; });
  };
  for (const row of networkRows) {
    const net = row.net;
    const toTrain = built.get(net.name);
    if (!toTrain) { pending.push(`train-${net.name}`, `export-${net.name}`, `device-${net.name}`); continue; }
    await trainNetwork(row, toTrain, plan.recipe, 'networks', 'train');
    await exportAndMeasure(row);
  }

  // The comparison's best MS-RANAS network (once every candidate is trained, exported and measured) is the one
  // trained again for other epoch counts; the best of it and its goal run ships at the end.
  const best = networkToShip(plan, networkRows, !o.skipDevice);
  shippedName = best?.trained.name ?? null;

  for (const row of ablationRows) {
    const a = row.ablation;
    row.search = await runSearchStage(a.search);
    if (!row.search) { pending.push(`ablation-${a.name}`); continue; }
    const genotype = loadGenotype(row.search.genotypePath);
    // Every ablation's genotype is trained on the plan's grid: the question is which search finds better cells.
    const graph = buildNetwork({ name: a.name, label: a.label, kind: 'ms-ranas', genotype: { from: 'search', search: a.search.name }, scales: plan.grid.scales }, plan.grid, genotype, { channels: plan.grid.initChannels }, plan.seed);
    await trainNetwork(row, { name: a.name, label: a.label, graph, width: { channels: plan.grid.initChannels }, genotype }, plan.ablationRecipe, 'ablations', 'ablation');
  }
  // The best network again with fewer epochs: accuracy against the training budget.
  const shipped = best ? built.get(best.trained.name) : undefined;
  if (!shipped || !best) pending.push(...plan.epochBudget.epochs.map((e) => `budget-e${e}`));
  else {
    for (const epochs of plan.epochBudget.epochs) {
      const row: EpochBudgetRow = { epochs, trained: null };
      budgetRows.push(row);
      await trainNetwork(row, { ...shipped, name: `${shipped.name}-e${epochs}`, label: `${shipped.label}, ${epochs} epochs` }, { ...plan.recipe, epochs }, 'epoch-budget', 'budget');
    }
    // Then for the epochs its validation curve puts at the goal (the plan's rule; epoch-budget.ts).
    const rule = plan.epochBudget.goalRun;
    const points = [...budgetRows, { epochs: plan.recipe.epochs, trained: best.trained }].flatMap((b) => (b.trained ? [{ epochs: b.epochs, top1: b.trained.exits.at(-1)?.valTop1 ?? 0 }] : []));
    if (rule && points.length < plan.epochBudget.epochs.length + 1) pending.push(`goal-${shipped.name}`);
    else if (rule) {
      const fit = fitEpochBudget(points, plan.epochBudget.goalTop1);
      const epochs = goalEpochs(fit, Math.max(...points.map((p) => p.epochs)), rule);
      const base = plan.networks.find((n) => n.name === shipped.name);
      if (!base) throw new RanasError('E_STUDY_PLAN', `the network to train longer, ${shipped.name}, is not in the plan's networks (${plan.networks.map((n) => n.name).join(', ')})`);
      const net = { ...base, name: `${shipped.name}-e${epochs}`, label: `${shipped.label}, ${epochs} epochs` };
      goal = { row: { net, trained: null, exported: null, device: null }, fit, epochs, rule };
      const row = goal.row;
      await trainNetwork(row, { ...shipped, name: net.name, label: net.label }, { ...plan.recipe, epochs }, 'epoch-budget', 'goal');
      await exportAndMeasure(row);
    }
  }

  // The best MS-RANAS network ships once every candidate (the comparison's and the goal run) is finished.
  const toShip = networkToShip(plan, goal ? [...networkRows, goal.row] : networkRows, !o.skipDevice);
  if (toShip === null) pending.push('ship');
  else {
    const shipKey = { network: toShip.trained.name, valTop1: toShip.trained.exits.map((e) => e.valTop1), device: toShip.device?.segments ?? null, ship: plan.ship, export: plan.export };
    await stage('ship', shipKey, () => shipStage(plan, toShip, data, pretrainedDir, gitCommitOf(REPO_ROOT), say), STAGE_CHECKS.ship);
  }
  for (const s of plan.searches) if (!needed.has(s.name)) await runSearchStage(s);
  await report(false);
  if (o.gitCommit) commitResults(dirs.results, 'report', say, [pretrainedDir]);
  return { readme: join(dirs.results, 'README.md'), ran, pending };
}

