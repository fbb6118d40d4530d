/**
 * One function per kind of study stage, each calling the library of its part: search (DARTS on the
 * multi-scale supernet), train (a network of the comparison, then fp32 per-exit accuracy on the validation
 * split and on the test set, with budgeted-batch thresholds chosen on validation), export (int8 TFLite and
 * ONNX bundles, int8 accuracy per exit measured in those runtimes), device (the int8 TFLite bundle flashed to a
 * real local `ranas-agent` over a pseudo-terminal: its profile p50/p99 per segment and a deadline sweep).
 * The device bundle is the plan's (int8 ONNX: the fastest int8 runtime the agent has here, bench/int8-runtimes.ts).
 * Checkpoints live in `work/` (runs/study/…); what a stage returns is small and is committed.
 */
import { rerunCommand } from '../run/resume-command.ts';
import { continueOrStart } from '../run/run-dir-plan.ts';
import { restartOnMismatch } from '../run/restart-on-mismatch.ts';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { exportModel } from '../../converters/export.ts';
import { trustPublicKey } from '../../firmware-bridge/auth/signing-keys.ts';
import { subset } from '../data/splits.ts';
import { runOnDevice } from '../demo/device-run.ts';
import { startLocalAgent } from '../demo/local-agent.ts';
import { RanasError } from '../errors.ts';
import { evaluateModel } from '../eval/evaluate-model.ts';
import { exitTop1 } from '../eval/exit-predictions.ts';
import { createProgram } from '../exec/program.ts';
import { analyzeGraph } from '../ir/analysis.ts';
import { loadModel, saveModel } from '../ir/serialize.ts';
import type { ModelGraph } from '../ir/types.ts';
import { genotypeHash, loadGenotype, type Genotype } from '../model/genotype.ts';
import { PRIMITIVE_NAMES } from '../ops/primitives.ts';
import { runSearch } from '../search/run-search.ts';
import { SEARCH_DEFAULTS } from '../search/search-options.ts';
import { chooseData } from '../run/data-choice.ts';
import { RECIPES, resolveRecipe } from '../train/recipes.ts';
import { runTraining } from '../train/run-training.ts';
import type { StudyData } from './study-data.ts';
import type { Width } from './study-networks.ts';
import type { StudyPlan, StudyRecipe, StudySearch } from './study-plan.ts';
import type { DeviceResult, EpochPoint, ExportResult, SearchResult, TrainedNetwork } from './study-results.ts';

/** Folders of one study: committed outputs and uncommitted checkpoints. */
export interface StudyDirs {
  /** Committed (results/study). */
  results: string;
  /** Run folders with checkpoints (runs/study). */
  work: string;
}

/** Per-epoch mean alpha entropy (normal, reduce) and losses of a search run, from its log.jsonl. */
function searchEpochs(runDir: string): SearchResult['epochs'] {
  const out: SearchResult['epochs'] = [];
  for (const line of readFileSync(join(runDir, 'log.jsonl'), 'utf8').split('\n')) {
    if (!line.includes('"type":"epoch"')) continue;
    const v: unknown = JSON.parse(line);
    const get = (k: string): unknown => (typeof v === 'object' && v !== null ? Reflect.get(v, k) : undefined);
    const ent = get('alphaEntropy');
    const entropy = (k: string): number => Number(typeof ent === 'object' && ent !== null ? Reflect.get(ent, k) : NaN);
    out.push({ epoch: Number(get('epoch')), trainLoss: Number(get('meanTrainLoss')), valLoss: Number(get('meanValLoss')), entropyNormal: entropy('normal'), entropyReduce: entropy('reduce'), seconds: Number(get('seconds')) });
  }
  return out;
}

/** Stage `search-*`: one search of the plan's grid with the search's switches. */
export async function searchStage(plan: StudyPlan, s: StudySearch, data: StudyData, dirs: StudyDirs, threads: number, say: (l: string) => void): Promise<SearchResult> {
  const d = SEARCH_DEFAULTS;
  const runsDir = join(dirs.work, 'searches');
  const g = plan.grid;
  const summary = await restartOnMismatch(join(runsDir, s.name), () => runSearch({
    preset: 'tiny', nodes: g.nodes, scales: s.scales, layers: g.layers, initChannels: g.initChannels,
    searchExits: s.exits, cutout: s.cutoutPx, epochs: s.epochs, batchSize: s.batchSize,
    subset: Math.min(s.subset, data.train.count), data: data.choice, holdOut: { images: plan.valImages, seed: plan.seed },
    lr: d.lr, lrMin: d.lrMin, momentum: d.momentum, weightDecay: d.weightDecay, gradClip: d.gradClip,
    alphaLr: s.alphaLr, alphaWeightDecay: d.alphaWeightDecay, secondOrder: false, warmupEpochs: s.warmupEpochs, maxSkip: 2,
    seed: s.seed, name: s.name, runsDir, ...continueOrStart(runsDir, s.name), checkpointEvery: 50, threads,
  }, say, rerunCommand()), say, 'run');
  const outDir = join(dirs.results, 'searches', s.name);
  mkdirSync(outDir, { recursive: true });
  cpSync(summary.genotypePath, join(outDir, 'genotype.json'));
  cpSync(join(summary.runDir, 'alphas.jsonl'), join(outDir, 'alphas.jsonl'));
  return {
    name: s.name, genotypePath: join(outDir, 'genotype.json'), genotypeHash: genotypeHash(summary.genotype),
    halves: summary.halves, steps: summary.loop.steps, epochs: searchEpochs(summary.runDir),
    uniformEntropy: Math.log(PRIMITIVE_NAMES.length),
  };
}

/** Per-epoch training loss of a train run, from its log.jsonl. */
function trainEpochs(runDir: string): EpochPoint[] {
  const out: EpochPoint[] = [];
  const val = new Map<number, number[]>();
  for (const line of readFileSync(join(runDir, 'log.jsonl'), 'utf8').split('\n')) {
    const isEpoch = line.includes('"type":"epoch"');
    if (!isEpoch && !line.includes('"type":"epoch-val"')) continue;
    const v: unknown = JSON.parse(line);
    const get = (k: string): unknown => (typeof v === 'object' && v !== null ? Reflect.get(v, k) : undefined);
    if (!isEpoch) {
      const top1 = get('valTop1');
      if (Array.isArray(top1)) val.set(Number(get('epoch')) + 1, top1.map(Number));
      continue;
    }
    const exits = get('meanExitLosses');
    out.push({ epoch: Number(get('epoch')) + 1, loss: Number(get('meanLoss')), exitLosses: Array.isArray(exits) ? exits.map(Number) : [], seconds: Number(get('seconds')), imgPerSec: Number(get('imgPerSec')) });
  }
  return out.map((e) => (val.has(e.epoch) ? { ...e, valTop1: val.get(e.epoch) } : e));
}

/** Folders of trained runs under work/ and results/: the comparison, the ablations, the epoch-budget runs. */
export type StudyDirGroup = 'networks' | 'ablations' | 'epoch-budget';

/** What a train stage needs to know about the network it trains. */
export interface NetworkToTrain {
  name: string;
  label: string;
  graph: ModelGraph;
  width: Width;
  genotype: Genotype | null;
}

/** Stage `train-*`: trains the network with the recipe, then measures fp32 per-exit accuracy. */
export async function trainStage(plan: StudyPlan, net: NetworkToTrain, recipe: StudyRecipe, group: StudyDirGroup, data: StudyData, dirs: StudyDirs, threads: number, say: (l: string) => void): Promise<TrainedNetwork> {
  const runsDir = join(dirs.work, group);
  const initDir = join(runsDir, `${net.name}-init`);
  saveModel(initDir, net.graph);
  // A recipe subset draws train + validation from the subset (as runTraining carves them), so the validation
  // images measured below are the ones this run held out.
  const subsetImages = recipe.subset === undefined ? undefined : recipe.subset + plan.valImages;
  const val = subsetImages === undefined ? data.val : (await chooseData(data.choice, { subset: subsetImages, valImages: plan.valImages, seed: plan.seed })).val ?? data.val;
  const t = await restartOnMismatch(join(runsDir, net.name), () => runTraining({
    preset: 'tiny', modelDir: initDir, epochs: recipe.epochs, batchSize: recipe.batchSize,
    lr: recipe.lr, lrMin: recipe.lrMin, momentum: recipe.momentum, weightDecay: recipe.weightDecay, gradClip: recipe.gradClip,
    subset: subsetImages, valImages: plan.valImages, data: data.choice, cutout: recipe.cutoutPx, singleExit: false, dropPath: recipe.dropPath,
    seed: plan.seed, name: net.name, runsDir, ...continueOrStart(runsDir, net.name), checkpointEvery: 200, threads, evalBatchSize: 250, skipEval: true,
    // The study's own numbers, recorded as overrides of the quick recipe (cosine per step, plain momentum, no tower).
    recipe: resolveRecipe('quick', {
      epochs: recipe.epochs, batchSize: recipe.batchSize, lr: recipe.lr, lrMin: recipe.lrMin, momentum: recipe.momentum,
      weightDecay: recipe.weightDecay, gradClip: recipe.gradClip, cutout: recipe.cutoutPx, dropPath: recipe.dropPath, auxiliaryWeight: 0,
    }),
    schedule: RECIPES.quick.schedule, nesterov: false, auxiliaryWeight: 0,
  }, say, rerunCommand()), say, 'run');
  const outDir = join(dirs.results, group, net.name);
  const modelDir = join(outDir, 'model');
  rmSync(modelDir, { recursive: true, force: true });
  cpSync(join(t.runDir, 'model'), modelDir, { recursive: true });
  const trained = loadModel(modelDir);
  const cost = analyzeGraph(trained);
  const program = createProgram(trained);
  try {
    const valTop1 = await exitTop1(program, val, 250);
    const evaluation = await evaluateModel(program, data.test, {
      model: net.name, source: modelDir, batchSize: 250,
      validation: { data: val, note: `${val.count} training images held out (stratified, seed ${plan.seed})` },
    });
    return {
      name: net.name, label: net.label, modelDir, width: net.width, params: cost.totalParams,
      genotypeHash: net.genotype ? genotypeHash(net.genotype) : null,
      exits: cost.exits.map((e, k) => ({
        exit: k + 1, layer: e.layer, anytimeMacs: e.anytimeMacs, cumulativeMacs: e.pathMacs, params: e.params,
        valTop1: valTop1[k],
        testTop1: evaluation.exits[k].top1,
      })),
      budgeted: evaluation.budgeted ?? [],
      epochs: trainEpochs(t.runDir),
      trainImages: t.trainImages, valImages: val.count, testImages: data.test.count,
    };
  } finally {
    program.dispose();
  }
}

/** Stage `export-*`: int8 TFLite + ONNX bundles of a trained network; int8 top-1 per exit on the test images. */
export async function exportStage(plan: StudyPlan, net: TrainedNetwork, data: StudyData, dirs: StudyDirs, say: (l: string) => void): Promise<ExportResult> {
  const outDir = join(dirs.work, 'exports', net.name);
  const report = await exportModel(loadModel(net.modelDir), {
    outDir, formats: ['tflite', 'onnx'], int8: true, calibImages: Math.min(plan.export.calibImages, data.train.count),
    target: 'generic', floatIo: false, evalImages: data.test.count,
    data: { train: data.train, test: data.test, name: plan.data, source: data.note },
    log: say,
  });
  const acc = (name: string) => report.bundles.find((b) => b.name === name)?.exitAccuracy ?? [];
  return {
    bundles: Object.fromEntries(report.bundles.map((b) => [b.name, b.dir])),
    bundleBytes: Object.fromEntries(report.bundles.map((b) => [b.name, b.segmentsBytes])),
    fp32Tflite: acc('tflite-fp32'), int8Tflite: acc('tflite-int8'), int8Onnx: acc('onnx-int8'),
    evalImages: report.evaluation?.images ?? 0,
  };
}

/** Stage `device-*`: the plan's device bundle (int8) on a local agent: profile and a deadline sweep on test images. */
export async function deviceStage(plan: StudyPlan, name: string, exported: ExportResult, data: StudyData, dirs: StudyDirs, keys: { linkKeyFile: string; signingKeyFile: string; publicKeyFile: string }, say: (l: string) => void): Promise<DeviceResult> {
  const bundleName = plan.export.deviceBundle;
  const bundleDir = exported.bundles[bundleName];
  if (!bundleDir || !existsSync(bundleDir)) throw new RanasError('E_STUDY_BUNDLE', `the export of ${name} has no ${bundleName} bundle (found ${bundleDir ?? 'none'}); expected the one the export stage writes`);
  // One store per network: each starts from nothing, so bundle versions never have to order across networks.
  const storeDir = join(dirs.work, 'agent-stores', name);
  rmSync(storeDir, { recursive: true, force: true });
  trustPublicKey(join(storeDir, 'trusted-keys'), keys.publicKeyFile);
  const agent = await startLocalAgent({ bundleDir: storeDir, keyFile: keys.linkKeyFile, profileRuns: plan.export.profileRuns, deviceName: 'local-agent (this machine, pty)' });
  try {
    const images = subset(data.test, Math.min(plan.export.deviceImages, data.test.count), 5);
    const run = await runOnDevice({
      address: { kind: 'serial', path: agent.hostPath, baudRate: agent.baudRate }, bundleDir, keyFile: keys.linkKeyFile, signingKeyFile: keys.signingKeyFile, images,
      budgetsUs: [], budgetSteps: plan.export.budgetSteps, policies: ['deadline'], maxSeconds: 600, say,
    });
    return {
      bundle: bundleName, deviceName: run.deviceName, agentVersion: run.agentVersion, images: images.count,
      segments: run.profile.segments.map((s) => ({ p50Us: s.p50Us, p99Us: s.p99Us })),
      overheadP50Us: (run.profile.overhead?.input.p50Us ?? 0) + (run.profile.overhead?.answer.p50Us ?? 0),
      sweep: run.sweep.map((s) => ({ budgetUs: s.budgetUs, accuracy: s.accuracy, exitCounts: s.exitCounts, p50Us: s.p50Us, p99Us: s.p99Us, misses: s.misses })),
    };
  } finally {
    await agent.stop();
  }
}
