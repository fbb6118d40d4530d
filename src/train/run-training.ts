/**
 * One `ranas train` run end to end: run folder (`config.json`, `log.jsonl`, `checkpoint.bin`), model and
 * data, the training loop (single-thread or data-parallel), the trained model saved as IR (`model/`), and
 * the final test evaluation (`eval.json`, `report.json`, `report.svg`).
 */
import { createStepEngine, prepareExecutor } from '../exec/step-engine.ts';
import { join } from 'node:path';
import { BatchIterator } from '../data/batch-iterator.ts';
import { initEngine, type EngineInfo } from '../engine/backend.ts';
import type { DataParallel, TrainableModel } from '../engine/data-parallel-types.ts';
import { RanasError } from '../errors.ts';
import { evaluateModel, type ModelEvaluation } from '../eval/evaluate-model.ts';
import { writeReport } from '../eval/report.ts';
import { exitTop1 } from '../eval/exit-predictions.ts';
import { createProgram } from '../exec/program.ts';
import { loadModel, saveModel } from '../ir/serialize.ts';
import { getPreset } from '../model/presets.ts';
import type { ModelGraph, WeightTensor } from '../ir/types.ts';
import { checkResumeOptions, openRunFolderAt, writeJsonAtomic } from '../run-folder.ts';
import { resumeCommand } from '../run/resume-command.ts';
import { trimLogsToCheckpoint } from '../run/trim-logs.ts';
import { guardRun, type RunGuard } from '../run/guarded-run.ts';
import { planRunDir, type RunDirPlan } from '../run/run-dir-plan.ts';
import { iteratorSource } from '../run/batch-source.ts';
import { chooseData, dataName } from '../run/data-choice.ts';
import { chooseModel } from '../run/model-choice.ts';
import { sgdHyperOf } from '../run/run-options.ts';
import { describeSchedule } from '../run/lr-schedule.ts';
import { auxiliaryTap, withAuxiliaryTower, withoutAuxiliaryTower } from './auxiliary-tower.ts';
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
const RESUME_KEYS = ['preset', 'genotype', 'modelDir', 'epochs', 'batchSize', 'lr', 'lrMin', 'momentum', 'weightDecay', 'gradClip', 'subset', 'valImages', 'data', 'cutout', 'exitWeights', 'singleExit', 'scales', 'layers', 'initChannels', 'nodes', 'exitLayers', 'dropPath', 'schedule', 'nesterov', 'auxiliaryWeight', 'seed'] as const;


/** The graph with the trained variables and buffers as its weights. */
export function trainedGraph(graph: ModelGraph, model: TrainableModel, meta: Record<string, unknown>): ModelGraph {
  const weights: Record<string, WeightTensor> = {};
  for (const [name, w] of Object.entries(graph.weights)) {
    const v = model.variables.get(name) ?? model.buffers.get(name);
    weights[name] = { shape: [...w.shape], trainable: w.trainable, data: v ? new Float32Array(v.dataSync()) : w.data };
  }
  return { ...graph, weights, meta: { ...graph.meta, ...meta } };
}

/** The input [H, W, C] of the network a run will train (image folders are resized to it). */
function modelInputShape(o: TrainOptions): readonly number[] {
  if (o.modelDir) return loadModel(o.modelDir).inputs[0]?.shape ?? [32, 32, 3];
  return getPreset(o.preset).config.inputShape;
}

/** Runs (or resumes) one training run; `say` prints progress lines to stderr; `resumeWith` is printed when a signal stops it. */
export async function runTraining(o: TrainOptions, say: (line: string) => void, resumeWith = resumeCommand(process.argv.slice(2))): Promise<TrainSummary> {
  const plan = planRunDir(o.runsDir, o.name, { resume: o.resume, overwrite: o.overwrite, command: 'train' });
  if (o.resume) checkResumeOptions(join(plan.finalDir, 'config.json'), o, RESUME_KEYS, 'E_TRAIN_RESUME');
  return guardRun(plan, say, resumeWith, (guard) => trainIn(plan, guard, o, say));
}

async function trainIn(plan: RunDirPlan, guard: RunGuard, o: TrainOptions, say: (line: string) => void): Promise<TrainSummary> {
  const engine = await initEngine(undefined, { replicas: o.threads });
  // Data first: its classes size the network's heads and image folders are resized to its input.
  const data = await chooseData(o.data, { ...o, inputShape: modelInputShape(o), log: say });
  const numClasses = data.train.classNames.length;
  const run = openRunFolderAt(plan.workDir, 'train', { ...o, numClasses, classNames: [...data.train.classNames] });
  const trimmed = plan.mode === 'resume' ? trimLogsToCheckpoint(plan.workDir) : null;
  if (trimmed && trimmed.droppedLogLines + trimmed.droppedAlphaLines > 0) say(`resume: dropped ${trimmed.droppedLogLines} log and ${trimmed.droppedAlphaLines} alpha lines written after the last checkpoint (the run was killed)`);

  const network = chooseModel({ ...o, numClasses });
  const networkExitWeights = o.exitWeights ?? network.exits.map(() => 1);
  if (networkExitWeights.length !== network.exits.length) {
    throw new RanasError('E_TRAIN_OPTION', `--exit-weights has ${networkExitWeights.length} values; model ${network.name} has ${network.exits.length} exits`);
  }
  say(`data: ${data.note}; ${data.train.count} train, ${data.val?.count ?? 0} val, ${data.test.count} test images`);
  say(`recipe ${o.recipe.name}${o.recipe.overridden.length ? ` (overridden: ${o.recipe.overridden.join(', ')})` : ''}: ${o.epochs} epochs, batch ${o.batchSize}, ${describeSchedule(o.schedule, o.lr, o.lrMin)}, momentum ${o.momentum}${o.nesterov ? ' nesterov' : ''}, weight decay ${o.weightDecay}, clip ${o.gradClip || 'off'}, cutout ${o.cutout || 'off'}, drop-path ${o.dropPath || 'off'}`);
  // DARTS's auxiliary tower: single-exit cell networks only; exit 0 while training, removed before saving.
  const tap = o.auxiliaryWeight > 0 && network.exits.length === 1 ? auxiliaryTap(network) : null;
  if (o.auxiliaryWeight > 0) {
    say(tap ? `auxiliary tower (weight ${o.auxiliaryWeight}) on ${tap.tensor} (layer ${tap.layer}); trained, never saved or exported`
      : network.exits.length > 1 ? `no auxiliary tower: the ${network.exits.length} exits already supervise the intermediate layers`
        : `no auxiliary tower: a ${String(network.meta.kind)} network has no cell at 2/3 depth`);
  }
  const graph = tap ? withAuxiliaryTower(network, tap, o.seed) : network;
  const exitWeights = tap ? [o.auxiliaryWeight, ...networkExitWeights] : networkExitWeights;
  const step = await prepareExecutor(o.executor ?? 'auto', engine.backend, o.threads);
  say(`engine: ${engine.backend} x${o.threads}, ${step.executor} step (${step.why}); model ${network.name}: ${network.exits.length} exits, ${Object.values(network.weights).filter((w) => w.trainable).reduce((s, w) => s + w.data.length, 0)} trainable params`);

  const config = { graph, exitWeights };
  const dp: DataParallel = await createStepEngine(config, { executor: step.executor, replicas: o.threads, batch: o.batchSize });
  try {
    const it = new BatchIterator(data.train, { batchSize: o.batchSize, seed: o.seed, augment: { cutoutPx: o.cutout } });
    const loop = await trainLoop({
      engine: dp,
      source: iteratorSource(it),
      hyper: { ...sgdHyperOf(o), dropPath: o.dropPath, seed: o.seed },
      checkpointPath: run.path('checkpoint.bin'),
      resume: o.resume,
      meta: { name: o.name },
      stop: () => guard.stopRequested() !== null,
      onStep: (s) => run.log({ type: 'step', ...s }),
      onEpoch: async (e) => {
        const auxLoss = tap ? e.meanExitLosses[0] : undefined;
        const exitLosses = tap ? e.meanExitLosses.slice(1) : e.meanExitLosses;
        run.log({ type: 'epoch', ...e, ...(auxLoss === undefined ? {} : { auxiliaryLoss: auxLoss }) });
        say(`epoch ${e.epoch + 1}/${o.epochs}: lr ${e.lr.toPrecision(4)}, loss ${e.meanLoss.toFixed(4)} (exits ${exitLosses.map((l) => l.toFixed(3)).join(' ')}${auxLoss === undefined ? '' : `; auxiliary ${auxLoss.toFixed(3)} × ${o.auxiliaryWeight}`}), ${e.seconds.toFixed(1)} s, ${e.imgPerSec.toFixed(1)} img/s`);
        // The learning curve: each exit's top-1 on the held-out images after every epoch (--val-images).
        if (data.val) {
          const current = trainedGraph(graph, dp.model, {});
          const program = createProgram(tap ? withoutAuxiliaryTower(current) : current);
          const valTop1 = await exitTop1(program, data.val, o.evalBatchSize).finally(() => program.dispose());
          run.log({ type: 'epoch-val', epoch: e.epoch, images: data.val.count, valTop1 });
          say(`epoch ${e.epoch + 1}/${o.epochs}: validation top-1 ${valTop1.map((a) => `${(100 * a).toFixed(2)} %`).join(' ')} (${data.val.count} held-out images)`);
        }
      },
    });
    guard.throwIfStopped(() => `stopped at step ${loop.steps} of ${o.epochs * Math.ceil(data.train.count / o.batchSize)} (${loop.steps - loop.startStep} this run)`);
    const withTower = trainedGraph(graph, dp.model, {
      dataset: dataName(o.data), classNames: [...data.train.classNames],
      training: { recipe: o.recipe.name, epochs: o.epochs, steps: loop.steps, seed: o.seed, data: data.note, exitWeights: networkExitWeights, ...(tap ? { auxiliaryWeight: o.auxiliaryWeight } : {}) },
    });
    const trained = tap ? withoutAuxiliaryTower(withTower) : withTower;
    saveModel(run.path('model'), trained);
    let evaluation: ModelEvaluation | null = null;
    if (!o.skipEval) {
      const program = createProgram(trained);
      try {
        evaluation = await evaluateModel(program, data.test, {
          model: o.name, source: plan.finalDir, batchSize: o.evalBatchSize,
          validation: data.val ? { data: data.val, note: `${data.val.count} training images held out (--val-images)` } : undefined,
        });
      } finally {
        program.dispose();
      }
      await writeReport(run.path('report'), [evaluation], `${o.name}: accuracy vs MMACs`, { classes: data.test.classNames.length });
      run.log({ type: 'eval', exits: evaluation.exits, anytimeArea: evaluation.anytimeArea });
    }
    const summary: TrainSummary = { runDir: plan.finalDir, engine, data: data.note, trainImages: data.train.count, loop, evaluation };
    writeJsonAtomic(run.path('eval.json'), { loop, evaluation: evaluation ? JSON.parse(JSON.stringify(evaluation, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) : null });
    return summary;
  } finally {
    await dp.dispose();
  }
}
