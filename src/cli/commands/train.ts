/**
 * `ranas train` — train a preset (or a genotype / saved model) with exit-weighted cross-entropy, then
 * evaluate every exit on the test set. Writes `runs/<name>/` (config.json, log.jsonl, checkpoint.bin,
 * model/, eval.json, report.json, report.svg). `--resume` continues a killed run exactly.
 */
import type { Command } from 'commander';
import { RanasError } from '../../errors.ts';
import { runTraining } from '../../train/run-training.ts';
import { TRAIN_DEFAULTS, type DataChoice, type TrainOptions } from '../../train/train-options.ts';
import { printTable, type Row } from '../table.ts';

/** Raw commander values (strings where commander gives strings). */
interface RawTrainOptions {
  preset: string;
  genotype?: string;
  model?: string;
  epochs: string;
  batchSize: string;
  lr: string;
  lrMin: string;
  momentum: string;
  weightDecay: string;
  gradClip: string;
  subset?: string;
  valImages: string;
  data: string;
  cutout: string | boolean;
  exitWeights?: string;
  singleExit?: boolean;
  scales?: string;
  dropPath: string;
  seed: string;
  name?: string;
  runsDir: string;
  resume?: boolean;
  checkpointEvery: string;
  threads: string;
  evalBatchSize: string;
  eval: boolean;
  json?: boolean;
}

function num(flag: string, v: string, check: (n: number) => boolean, expected: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new RanasError('E_CLI_ARG', `${flag} is ${JSON.stringify(v)}; expected ${expected}`);
  return n;
}
const int = (flag: string, v: string, min: number) => num(flag, v, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
const nonNeg = (flag: string, v: string) => num(flag, v, (n) => n >= 0, 'a number ≥ 0');

function parseData(v: string): DataChoice {
  if (v === 'cifar10' || v === 'mini' || v === 'synthetic') return v;
  return { dir: v };
}

function parseScales(v: string): 1 | 2 | 3 {
  if (v === '1') return 1;
  if (v === '2') return 2;
  if (v === '3') return 3;
  throw new RanasError('E_CLI_ARG', `--scales is ${JSON.stringify(v)}; expected 1, 2 or 3`);
}

/** Parses commander's values into the typed options (exported for tests). */
export function parseTrainOptions(r: RawTrainOptions): TrainOptions {
  const cutout = r.cutout === false ? 0 : r.cutout === true ? TRAIN_DEFAULTS.cutout : int('--cutout', r.cutout, 0);
  const exitWeights = r.exitWeights?.split(',').map((w) => nonNeg('--exit-weights', w.trim()));
  const seed = int('--seed', r.seed, 0);
  return {
    preset: r.preset,
    genotype: r.genotype,
    modelDir: r.model,
    epochs: int('--epochs', r.epochs, 1),
    batchSize: int('--batch-size', r.batchSize, 1),
    lr: num('--lr', r.lr, (n) => n > 0, 'a number > 0'),
    lrMin: nonNeg('--lr-min', r.lrMin),
    momentum: num('--momentum', r.momentum, (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    weightDecay: nonNeg('--weight-decay', r.weightDecay),
    gradClip: nonNeg('--grad-clip', r.gradClip),
    subset: r.subset === undefined ? undefined : int('--subset', r.subset, 1),
    valImages: int('--val-images', r.valImages, 0),
    data: parseData(r.data),
    cutout,
    exitWeights,
    singleExit: r.singleExit ?? false,
    scales: r.scales === undefined ? undefined : parseScales(r.scales),
    dropPath: num('--drop-path', r.dropPath, (n) => n >= 0 && n < 1, 'a probability in [0, 1)'),
    seed,
    name: r.name ?? `train-${r.preset}-s${seed}`,
    runsDir: r.runsDir,
    resume: r.resume ?? false,
    checkpointEvery: int('--checkpoint-every', r.checkpointEvery, 0),
    threads: int('--threads', r.threads, 1),
    evalBatchSize: int('--eval-batch-size', r.evalBatchSize, 1),
    skipEval: !r.eval,
  };
}

/** Registers `ranas train`. */
export function registerTrain(program: Command): void {
  const d = TRAIN_DEFAULTS;
  program
    .command('train')
    .description('train a multi-exit model (exit-weighted cross-entropy, SGD + cosine LR), then evaluate every exit on the test set')
    .option('--preset <name>', 'tiny | paper-cifar | msdnet-cifar10 | darts-cifar', d.preset)
    .option('--genotype <file>', 'genotype JSON replacing the preset\'s')
    .option('--model <dir>', 'start from a saved IR model folder instead of a preset')
    .option('--epochs <n>', 'epochs', String(d.epochs))
    .option('--batch-size <n>', 'images per step', String(d.batchSize))
    .option('--lr <x>', 'initial learning rate (cosine-annealed per step)', String(d.lr))
    .option('--lr-min <x>', 'final learning rate', String(d.lrMin))
    .option('--momentum <x>', 'SGD momentum', String(d.momentum))
    .option('--weight-decay <x>', 'L2 weight decay', String(d.weightDecay))
    .option('--grad-clip <x>', 'max global gradient norm (0 = off)', String(d.gradClip))
    .option('--subset <n>', 'train on a stratified subset of n images')
    .option('--val-images <n>', 'hold out n training images to choose budgeted-batch thresholds', String(d.valImages))
    .option('--data <src>', 'cifar10 | mini | synthetic | DIR (CIFAR binary folder)', 'cifar10')
    .option('--cutout <px>', 'cutout square side in pixels', String(d.cutout))
    .option('--no-cutout', 'disable cutout')
    .option('--exit-weights <list>', 'comma-separated loss weight per exit (default equal)')
    .option('--single-exit', 'keep only the last exit')
    .option('--scales <n>', 'override the preset\'s number of scales (1|2|3, MS-RANAS presets)')
    .option('--drop-path <p>', 'drop-path probability reached at the last epoch (DARTS schedule p·epoch/epochs; non-identity cell edges)', String(d.dropPath))
    .option('--seed <n>', 'seed of data order, augmentation and weight init', String(d.seed))
    .option('--name <name>', 'run name (folder under --runs-dir)')
    .option('--runs-dir <dir>', 'where run folders go', d.runsDir)
    .option('--resume', 'continue from the run\'s checkpoint')
    .option('--checkpoint-every <n>', 'checkpoint every n steps (and at every epoch end)', String(d.checkpointEvery))
    .option('--threads <n>', 'data-parallel replicas (worker threads)', String(d.threads))
    .option('--eval-batch-size <n>', 'batch size of the final evaluation', String(d.evalBatchSize))
    .option('--no-eval', 'skip the final test evaluation')
    .option('--json', 'print the result as JSON')
    .action(async (raw: RawTrainOptions) => {
      const o = parseTrainOptions(raw);
      const s = await runTraining(o, (line) => { if (process.env.RANAS_QUIET !== '1') process.stderr.write(line + '\n'); });
      const rows: Row[] = (s.evaluation?.exits ?? []).map((e) => ({
        exit: e.exit, layer: e.layer, mflops: Math.round(e.mflops * 1000) / 1000, top1: Math.round(e.top1 * 10000) / 100,
        ...(e.top5 === undefined ? {} : { top5: Math.round(e.top5 * 10000) / 100 }),
      }));
      const title = `${s.runDir}: ${s.loop.steps} steps (${s.loop.steps - s.loop.startStep} this run) in ${s.loop.seconds.toFixed(1)} s, ${s.loop.imgPerSec.toFixed(1)} img/s on ${s.engine.backend} x${o.threads}; ${s.data}` +
        (s.evaluation ? `\nanytime area ${(100 * s.evaluation.anytimeArea).toFixed(2)} % (top-1 %, accuracy per exit below)` : '');
      printTable(rows, { json: raw.json, title });
    });
}
