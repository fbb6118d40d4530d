/**
 * `ranas train` — train a preset (or a genotype / saved model) with exit-weighted cross-entropy, then
 * evaluate every exit on the test set. Writes `runs/<name>/` (config.json, log.jsonl, checkpoint.bin,
 * model/, eval.json, report.json, report.svg). `--resume` continues a killed run exactly.
 */
import type { Command } from 'commander';
import { runTraining } from '../../train/run-training.ts';
import { TRAIN_DEFAULTS, type TrainOptions } from '../../train/train-options.ts';
import { PRESET_NAMES } from '../../model/presets.ts';
import { addRunOptions, int, num, parseRunOptions, parseScales, type RawRunOptions } from '../run-options.ts';
import { printTable, type Row } from '../../text-table.ts';

/** Raw commander values (strings where commander gives strings). */
interface RawTrainOptions extends RawRunOptions {
  preset: string;
  genotype?: string;
  model?: string;
  valImages: string;
  cutout: string | boolean;
  singleExit?: boolean;
  scales?: string;
  dropPath: string;
  evalBatchSize: string;
  eval: boolean;
}

/** Parses commander's values into the typed options (exported for tests). */
export function parseTrainOptions(r: RawTrainOptions): TrainOptions {
  const cutout = r.cutout === false ? 0 : r.cutout === true ? TRAIN_DEFAULTS.cutout : int('--cutout', r.cutout, 0);
  return {
    ...parseRunOptions(r, (seed) => `train-${r.preset}-s${seed}`, 1),
    preset: r.preset,
    genotype: r.genotype,
    modelDir: r.model,
    valImages: int('--val-images', r.valImages, 0),
    cutout,
    singleExit: r.singleExit ?? false,
    scales: r.scales === undefined ? undefined : parseScales(r.scales),
    dropPath: num('--drop-path', r.dropPath, (n) => n >= 0 && n < 1, 'a probability in [0, 1)'),
    evalBatchSize: int('--eval-batch-size', r.evalBatchSize, 1),
    skipEval: !r.eval,
  };
}

/** Registers `ranas train`. */
export function registerTrain(program: Command): void {
  const d = TRAIN_DEFAULTS;
  const cmd = program
    .command('train')
    .description('train a multi-exit model (exit-weighted cross-entropy, SGD + cosine LR), then evaluate every exit on the test set')
    .option('--preset <name>', PRESET_NAMES.join(' | '), d.preset)
    .option('--genotype <file>', 'genotype JSON replacing the preset\'s')
    .option('--model <dir>', 'start from a saved IR model folder instead of a preset');
  addRunOptions(cmd, d, { weights: '', batchSize: 'images per step', subset: 'train on a stratified subset of n images', seed: 'seed of data order, augmentation, drop-path and weight init' })
    .option('--val-images <n>', 'hold out n training images to choose budgeted-batch thresholds', String(d.valImages))
    .option('--cutout <px>', 'cutout square side in pixels', String(d.cutout))
    .option('--no-cutout', 'disable cutout')
    .option('--single-exit', 'keep only the last exit')
    .option('--scales <n>', 'override the preset\'s number of scales (1|2|3, MS-RANAS presets)')
    .option('--drop-path <p>', 'drop-path probability reached at the last epoch (DARTS schedule p·epoch/epochs; non-identity cell edges)', String(d.dropPath))
    .option('--eval-batch-size <n>', 'batch size of the final evaluation', String(d.evalBatchSize))
    .option('--no-eval', 'skip the final test evaluation')
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
