/**
 * The host half of the demo, one function per stage, each calling the library of its part (no CLIs through
 * shells): a short DARTS search (tiny preset, on a subset) → genotype; training of the derived network
 * (tiny preset, short); fp32 per-exit evaluation with the anytime curve; export to int8 TFLite and ONNX
 * segment bundles (with the int8 per-exit accuracy measured in the real runtimes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportModel } from '../../converters/export.ts';
import { subset } from '../data/splits.ts';
import type { DatasetChoice } from '../data/dataset-choice.ts';
import type { ImageDataset } from '../data/types.ts';
import { initEngine } from '../engine/backend.ts';
import { RanasError } from '../errors.ts';
import { evaluateModel, type ModelEvaluation } from '../eval/evaluate-model.ts';
import { createProgram } from '../exec/program.ts';
import { analyzeGraph } from '../ir/analysis.ts';
import { loadModel, saveModel } from '../ir/serialize.ts';
import { chooseModel } from '../run/model-choice.ts';
import { runSearch } from '../search/run-search.ts';
import { SEARCH_DEFAULTS } from '../search/search-options.ts';
import { runTraining } from '../train/run-training.ts';
import type { DataChoice } from '../run/run-options.ts';
import { TRAIN_DEFAULTS } from '../train/train-options.ts';
import type { DemoOptions } from './demo-options.ts';
import type { ExportResult, SearchResult, TrainResult } from './stage-results.ts';

/** Seed of the test subset shared by the fp32 eval and the export's int8 eval (`exportModel` uses 2). */
const EVAL_SUBSET_SEED = 2;

/** The data choice the search and training libraries read (they load it themselves). */
export function dataChoiceOf(d: DatasetChoice): DataChoice {
  return d.which === 'cifar10' ? 'cifar10' : 'mini';
}

/** Stage "search": DARTS on the tiny preset's supernet, a stratified subset, first order. */
export async function searchStage(o: DemoOptions, runDir: string, data: DataChoice, say: (l: string) => void): Promise<SearchResult> {
  const d = SEARCH_DEFAULTS;
  const s = await runSearch({
    preset: 'tiny', nodes: d.nodes, searchExits: true, cutout: 0,
    epochs: o.searchEpochs, batchSize: o.searchBatchSize, subset: o.searchSubset, data,
    lr: d.lr, lrMin: d.lrMin, momentum: d.momentum, weightDecay: d.weightDecay, gradClip: d.gradClip,
    alphaLr: d.alphaLr, alphaWeightDecay: d.alphaWeightDecay, secondOrder: false, warmupEpochs: 0, maxSkip: 2,
    seed: o.seed, name: 'search', runsDir: runDir, resume: !o.fresh, checkpointEvery: 20, threads: o.threads,
  }, say);
  return { runDir: s.runDir, genotypePath: s.genotypePath, steps: s.loop.steps, halves: s.halves };
}

/** The derived network: the tiny preset with the searched genotype, saved as an IR model folder for `runTraining`. */
export function saveDerivedModel(genotypePath: string, dir: string, seed: number): string {
  saveModel(dir, chooseModel({ preset: 'tiny', genotype: genotypePath, singleExit: false, seed }));
  return dir;
}

/** Stage "train": the derived network, short; the trained model is saved as IR. */
export async function trainStage(o: DemoOptions, runDir: string, data: DataChoice, genotypePath: string, say: (l: string) => void): Promise<TrainResult> {
  const d = TRAIN_DEFAULTS;
  const modelDir = saveDerivedModel(genotypePath, join(runDir, 'derived-model'), o.seed);
  const t = await runTraining({
    preset: 'tiny', modelDir, epochs: o.trainEpochs, batchSize: o.trainBatchSize,
    lr: d.lr, lrMin: d.lrMin, momentum: d.momentum, weightDecay: d.weightDecay, gradClip: d.gradClip,
    subset: o.trainSubset, valImages: 0, data, cutout: o.toy ? 0 : d.cutout, singleExit: false, dropPath: 0,
    seed: o.seed, name: 'train', runsDir: runDir, resume: !o.fresh, checkpointEvery: 20, threads: o.threads,
    evalBatchSize: d.evalBatchSize, skipEval: true,
  }, say);
  return { runDir: t.runDir, modelDir: join(t.runDir, 'model'), steps: t.loop.steps, trainImages: t.trainImages };
}

/** The test images both evaluations use: a stratified subset (the same one `exportModel` takes). */
export function evalSubset(test: ImageDataset, n: number): ImageDataset {
  return n >= test.count ? test : subset(test, n, EVAL_SUBSET_SEED);
}

/** Per-exit costs of the trained model. */
export interface ExitCosts {
  mflops: number[];
  /** Trainable parameters needed to compute each exit (its ancestors). */
  params: number[];
}

/** MFLOPs and parameters per exit of the saved model. */
export function exitCosts(modelDir: string): ExitCosts {
  const cost = analyzeGraph(loadModel(modelDir));
  return { mflops: cost.exits.map((e) => e.cumulativeMacs / 1e6), params: cost.exits.map((e) => e.params) };
}

/** Stage "eval": fp32 per-exit top-1 on the eval subset with the tfjs engine, and the anytime curve. */
export async function evalStage(o: DemoOptions, modelDir: string, data: DatasetChoice): Promise<ModelEvaluation> {
  await initEngine();
  const program = createProgram(loadModel(modelDir));
  try {
    return await evaluateModel(program, evalSubset(data.test, o.evalImages), { model: `${o.name} (fp32, tfjs)`, source: modelDir, batchSize: 100 });
  } finally {
    program.dispose();
  }
}

/** Stage "export": fp32 + int8 bundles for TFLite and ONNX, int8 accuracy measured in the runtimes. */
export async function exportStage(o: DemoOptions, runDir: string, modelDir: string, data: DatasetChoice, say: (l: string) => void): Promise<ExportResult> {
  const outDir = join(runDir, 'export');
  const report = await exportModel(loadModel(modelDir), {
    outDir, formats: ['tflite', 'onnx'], int8: true, calibImages: Math.min(o.calibImages, data.train.count),
    target: 'generic', floatIo: false, evalImages: o.evalImages,
    data: { train: data.train, test: data.test, name: data.which, source: data.train.source },
    log: say,
  });
  return { outDir, reportPath: join(outDir, 'export-report.json'), bundles: Object.fromEntries(report.bundles.map((b) => [b.name, b.dir])) };
}

/** Per-exit top-1 (0..1, null when not measured) of one bundle in `export-report.json` (written by `exportModel`). */
export function bundleExitAccuracy(reportPath: string, bundleName: string): (number | null)[] {
  const v: unknown = JSON.parse(readFileSync(reportPath, 'utf8'));
  const bundles: unknown = typeof v === 'object' && v !== null ? Reflect.get(v, 'bundles') : undefined;
  const list: unknown[] = Array.isArray(bundles) ? bundles : [];
  const b: unknown = list.find((x: unknown) => typeof x === 'object' && x !== null && Reflect.get(x, 'name') === bundleName);
  const acc: unknown = typeof b === 'object' && b !== null ? Reflect.get(b, 'exitAccuracy') : undefined;
  if (!Array.isArray(acc)) throw new RanasError('E_DEMO_EXPORT', `${reportPath} has no bundle ${bundleName} with exitAccuracy; expected the report ranas export writes`);
  return acc.map((a: unknown) => (typeof a === 'number' ? a : null));
}
