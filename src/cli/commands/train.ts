/**
 * `ranas train` — train a preset (or a genotype / saved model) with exit-weighted cross-entropy, then
 * evaluate every exit on the test set. Writes `runs/<name>/` (config.json, log.jsonl, checkpoint.bin,
 * model/, eval.json, report.json, report.svg). `--resume` continues a killed run exactly.
 */
import type { Command } from 'commander';
import { TRAIN_DEFAULTS, type TrainOptions } from '../../train/train-options.ts';
import { RanasError } from '../../errors.ts';
import { parseExitLayers } from '../../model/grid-overrides.ts';
import { PRESET_NAMES } from '../../model/presets.ts';
import { describeSchedule } from '../../run/lr-schedule.ts';
import { RECIPE_NAMES, RECIPES, resolveRecipe, type RecipeName } from '../../train/recipes.ts';
import { addRunOptions, int, nonNeg, num, parseRunOptions, parseScales, type RawRunOptions } from '../run-options.ts';
import { addCutoutOption, parseCutout } from '../cutout-option.ts';
import { sayLine } from '../../terminal/status-line.ts';
import { printTable, type Row } from '../../text-table.ts';

/** Raw commander values (strings where commander gives strings). */
interface RawTrainOptions extends RawRunOptions {
  recipe: string;
  preset: string;
  genotype?: string;
  model?: string;
  valImages: string;
  cutout?: string | boolean;
  cutoutPx?: string;
  singleExit?: boolean;
  scales?: string;
  layers?: string;
  initChannels?: string;
  nodes?: string;
  exitLayers?: string;
  dropPath?: string;
  auxiliaryWeight?: string;
  evalBatchSize: string;
  eval: boolean;
}

function parseRecipeName(v: string): RecipeName {
  const found = RECIPE_NAMES.find((n) => n === v);
  if (found === undefined) throw new RanasError('E_CLI_ARG', `--recipe is ${JSON.stringify(v)}; expected one of ${RECIPE_NAMES.join(', ')}`);
  return found;
}

/** Parses commander's values into the typed options: the recipe's numbers, each flag given overriding its own (exported for tests). */
export function parseTrainOptions(r: RawTrainOptions): TrainOptions {
  const recipeName = parseRecipeName(r.recipe);
  const base = RECIPES[recipeName];
  const run = parseRunOptions(r, (seed) => `train-${r.preset}-s${seed}`, 1, base);
  const cutoutGiven = r.cutout !== undefined || r.cutoutPx !== undefined;
  const cutout = cutoutGiven ? parseCutout(r.cutout ?? true, r.cutoutPx) : base.cutout;
  const dropPath = r.dropPath === undefined ? base.dropPath : num('--drop-path', r.dropPath, (n) => n >= 0 && n < 1, 'a probability in [0, 1)');
  const auxiliaryWeight = r.auxiliaryWeight === undefined ? base.auxiliaryWeight : nonNeg('--auxiliary-weight', r.auxiliaryWeight);
  const given = <T>(raw: unknown, value: T): T | undefined => (raw === undefined ? undefined : value);
  const recipe = resolveRecipe(recipeName, {
    epochs: given(r.epochs, run.epochs), batchSize: given(r.batchSize, run.batchSize), lr: given(r.lr, run.lr), lrMin: given(r.lrMin, run.lrMin),
    momentum: given(r.momentum, run.momentum), weightDecay: given(r.weightDecay, run.weightDecay), gradClip: given(r.gradClip, run.gradClip),
    dropPath: given(r.dropPath, dropPath), cutout: cutoutGiven ? cutout : undefined, auxiliaryWeight: given(r.auxiliaryWeight, auxiliaryWeight),
  });
  return {
    ...run,
    preset: r.preset,
    genotype: r.genotype,
    modelDir: r.model,
    valImages: int('--val-images', r.valImages, 0),
    cutout,
    singleExit: r.singleExit ?? false,
    scales: r.scales === undefined ? undefined : parseScales(r.scales),
    layers: r.layers === undefined ? undefined : int('--layers', r.layers, 2),
    initChannels: r.initChannels === undefined ? undefined : int('--init-channels', r.initChannels, 2),
    nodes: r.nodes === undefined ? undefined : int('--nodes', r.nodes, 1),
    exitLayers: r.exitLayers === undefined ? undefined : parseExitLayers(r.exitLayers),
    dropPath,
    recipe,
    schedule: recipe.schedule,
    nesterov: recipe.nesterov,
    auxiliaryWeight,
    evalBatchSize: int('--eval-batch-size', r.evalBatchSize, 1),
    skipEval: !r.eval,
  };
}

/** Registers `ranas train`. */
export function registerTrain(program: Command): void {
  const d = TRAIN_DEFAULTS;
  const recipes = RECIPE_NAMES.map((n) => `${n}: ${RECIPES[n].epochs} epochs, batch ${RECIPES[n].batchSize}, ${describeSchedule(RECIPES[n].schedule, RECIPES[n].lr, RECIPES[n].lrMin)}`).join('; ');
  const cmd = program
    .command('train')
    .description('train a multi-exit model (exit-weighted cross-entropy, SGD with a recipe\'s schedule), then evaluate every exit on the test set')
    .option('--recipe <name>', `training recipe (${recipes}); any flag below overrides its number`, 'quick')
    .option('--preset <name>', PRESET_NAMES.join(' | '), d.preset)
    .option('--genotype <file>', 'genotype JSON replacing the preset\'s')
    .option('--model <dir>', 'start from a saved IR model folder instead of a preset');
  addCutoutOption(cmd, undefined);
  addRunOptions(cmd, d, { weights: '', batchSize: 'images per step', subset: 'train on a stratified subset of n images', seed: 'seed of data order, augmentation, drop-path and weight init' }, true)
    .option('--val-images <n>', 'hold out n training images to choose budgeted-batch thresholds (and to measure each exit after every epoch)', String(d.valImages))
    .option('--single-exit', 'keep only the last exit')
    .option('--scales <n>', 'grid scales 1|2|3 (MS-RANAS presets; default the preset\'s)')
    .option('--layers <n>', 'grid layers (MS-RANAS presets; default the preset\'s)')
    .option('--init-channels <n>', 'C of scale 1 (MS-RANAS presets; default the preset\'s)')
    .option('--nodes <n>', 'intermediate nodes per cell (default: the genotype\'s)')
    .option('--exit-layers <list>', 'exits: all (every layer but the first) | last | comma-separated layers (default the preset\'s)')
    .option('--drop-path <p>', 'drop-path probability reached at the last epoch (DARTS schedule p·epoch/epochs; non-identity cell edges; default the recipe\'s)')
    .option('--auxiliary-weight <w>', 'loss weight of DARTS\'s auxiliary tower on single-exit cell networks, never exported (0 = off; default the recipe\'s: darts 0.4)')
    .option('--eval-batch-size <n>', 'batch size of the final evaluation', String(d.evalBatchSize))
    .option('--no-eval', 'skip the final test evaluation')
    .action(async (raw: RawTrainOptions) => {
      const o = parseTrainOptions(raw);
      const { runTraining } = await import('../../train/run-training.ts');
      const s = await runTraining(o, sayLine);
      const rows: Row[] = (s.evaluation?.exits ?? []).map((e) => ({
        exit: e.exit + 1, layer: e.layer, MMACs: Math.round(e.mmacs * 1000) / 1000, top1: Math.round(e.top1 * 10000) / 100,
        ...(e.top5 === undefined ? {} : { top5: Math.round(e.top5 * 10000) / 100 }),
      }));
      const title = `${s.runDir}: ${s.loop.steps} steps (${s.loop.steps - s.loop.startStep} this run) in ${s.loop.seconds.toFixed(1)} s, ${s.loop.imgPerSec.toFixed(1)} img/s on ${s.engine.backend} x${o.threads}; ${s.data}` +
        (s.evaluation ? `\nanytime area ${(100 * s.evaluation.anytimeArea).toFixed(2)} % (top-1 %, accuracy per exit below)` : '');
      printTable(rows, { json: raw.json, title });
    });
}
