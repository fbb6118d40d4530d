/**
 * One `ranas train` run end to end: run folder (`config.json`, `log.jsonl`, `checkpoint.bin`), model and
 * data, the training loop (single-thread or data-parallel), the trained model saved as IR (`model/`), and
 * the final test evaluation (`eval.json`, `report.json`, `report.svg`).
 */
import { join } from 'node:path';
import { BatchIterator } from '../data/batch-iterator.ts';
import { initEngine, type EngineInfo } from '../engine/backend.ts';
import { createDataParallel } from '../engine/data-parallel.ts';
import type { DataParallel, TrainableModel } from '../engine/data-parallel-types.ts';
import { RanasError } from '../errors.ts';
import { evaluateModel, type ModelEvaluation } from '../eval/evaluate-model.ts';
import { writeReport } from '../eval/report.ts';
import { createProgram } from '../exec/program.ts';
import { buildTrainableGraph, trainableGraphRecipe } from '../exec/trainable-graph.ts';
import { saveModel } from '../ir/serialize.ts';
import type { ModelGraph, WeightTensor } from '../ir/types.ts';
import { checkResumeOptions, openRunFolder, writeJsonAtomic } from '../run-folder.ts';
import { iteratorSource } from '../run/batch-source.ts';
import { chooseData } from '../run/data-choice.ts';
import { singleThread } from '../engine/single-thread.ts';
import { chooseModel } from '../run/model-choice.ts';
import { sgdHyperOf } from '../run/run-options.ts';
import { trainLoop, type TrainLoopResult } from './train-loop.ts';
import type { TrainOptions } from './train-options.ts';

/** What a finished run reports. */
export interface TrainSummary {
  runDir: string;
  engine: EngineInfo;
  data: string;
  trainImages: number;
  loop: TrainLoopResult;
  evaluation: ModelEvaluation | null;
}

/** Options that must not change between a run and its resume (they decide the exact sequence of steps). */
const RESUME_KEYS = ['preset', 'genotype', 'modelDir', 'epochs', 'batchSize', 'lr', 'lrMin', 'momentum', 'weightDecay', 'gradClip', 'subset', 'valImages', 'data', 'cutout', 'exitWeights', 'singleExit', 'scales', 'dropPath', 'seed'] as const;


/** The graph with the trained variables and buffers as its weights. */
export function trainedGraph(graph: ModelGraph, model: TrainableModel, meta: Record<string, unknown>): ModelGraph {
  const weights: Record<string, WeightTensor> = {};
  for (const [name, w] of Object.entries(graph.weights)) {
    const v = model.variables.get(name) ?? model.buffers.get(name);
    weights[name] = { shape: [...w.shape], trainable: w.trainable, data: v ? new Float32Array(v.dataSync()) : w.data };
  }
  return { ...graph, weights, meta: { ...graph.meta, ...meta } };
}

/** Runs (or resumes) one training run; `say` prints progress lines to stderr. */
export async function runTraining(o: TrainOptions, say: (line: string) => void): Promise<TrainSummary> {
  const engine = await initEngine();
  const configPath = join(o.runsDir, o.name, 'config.json');
  if (o.resume) checkResumeOptions(configPath, o, RESUME_KEYS, 'E_TRAIN_RESUME');
  const run = openRunFolder(o.runsDir, o.name, 'train', { ...o });

  const graph = chooseModel(o);
  const exitWeights = o.exitWeights ?? graph.exits.map(() => 1);
  if (exitWeights.length !== graph.exits.length) {
    throw new RanasError('E_TRAIN_OPTION', `--exit-weights has ${exitWeights.length} values; model ${graph.name} has ${graph.exits.length} exits`);
  }
  const data = await chooseData(o.data, o);
  say(`data: ${data.note}; ${data.train.count} train, ${data.val?.count ?? 0} val, ${data.test.count} test images`);
  say(`engine: ${engine.backend} x${o.threads}; model ${graph.name}: ${graph.exits.length} exits, ${Object.values(graph.weights).filter((w) => w.trainable).reduce((s, w) => s + w.data.length, 0)} trainable params`);

  const config = { graph, exitWeights };
  const dp: DataParallel = o.threads > 1
    ? await createDataParallel(trainableGraphRecipe(config), { replicas: o.threads })
    : singleThread(buildTrainableGraph(config));
  try {
    const it = new BatchIterator(data.train, { batchSize: o.batchSize, seed: o.seed, augment: { cutoutPx: o.cutout } });
    const loop = await trainLoop({
      engine: dp,
      source: iteratorSource(it),
      hyper: { ...sgdHyperOf(o), dropPath: o.dropPath, seed: o.seed },
      checkpointPath: run.path('checkpoint.bin'),
      resume: o.resume,
      meta: { name: o.name },
      onStep: (s) => run.log({ type: 'step', ...s }),
      onEpoch: (e) => {
        run.log({ type: 'epoch', ...e });
        say(`epoch ${e.epoch + 1}/${o.epochs}: loss ${e.meanLoss.toFixed(4)} (exits ${e.meanExitLosses.map((l) => l.toFixed(3)).join(' ')}), ${e.seconds.toFixed(1)} s, ${e.imgPerSec.toFixed(1)} img/s`);
      },
    });
    const trained = trainedGraph(graph, dp.model, {
      training: { epochs: o.epochs, steps: loop.steps, seed: o.seed, data: data.note, exitWeights },
    });
    saveModel(run.path('model'), trained);
    let evaluation: ModelEvaluation | null = null;
    if (!o.skipEval) {
      const program = createProgram(trained);
      try {
        evaluation = await evaluateModel(program, data.test, {
          model: o.name, source: run.dir, batchSize: o.evalBatchSize,
          validation: data.val ? { data: data.val, note: `${data.val.count} training images held out (--val-images)` } : undefined,
        });
      } finally {
        program.dispose();
      }
      await writeReport(run.path('report'), [evaluation], `${o.name}: accuracy vs MFLOPs`);
      run.log({ type: 'eval', exits: evaluation.exits, anytimeArea: evaluation.anytimeArea });
    }
    const summary: TrainSummary = { runDir: run.dir, engine, data: data.note, trainImages: data.train.count, loop, evaluation };
    writeJsonAtomic(run.path('eval.json'), { loop, evaluation: evaluation ? JSON.parse(JSON.stringify(evaluation, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) : null });
    return summary;
  } finally {
    await dp.dispose();
  }
}
