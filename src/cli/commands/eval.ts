/**
 * `ranas eval <run dir|model dir> [more ...]` — per-exit test accuracy, anytime curve and its area, and
 * MSDNet budgeted-batch evaluation for each model; writes `report.json` + `report.svg` (all models
 * overlaid) and prints a table.
 */
import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEvalImages } from './export.ts';
import { RanasError } from '../../errors.ts';
import type { ModelEvaluation } from '../../eval/evaluate-model.ts';
import { loadReferenceCurves, referenceCurveIds } from '../../eval/reference-curves.ts';
import { parseDataChoice, type DataChoice } from '../../run/run-options.ts';
import { printTable, type Row } from '../../text-table.ts';

/** Options of `ranas eval`. */
interface EvalOptions {
  paths: string[];
  data: DataChoice;
  valImages: number | 'auto';
  /** Test images evaluated (a stratified subset when below the test set). */
  evalImages: number;
  seed: number;
  batchSize: number;
  /** Report folder (created): report.json, report.svg. */
  out: string;
  json: boolean;
  /** Published curves to overlay (ids in models/reference-curves/, or 'all'). */
  references: string[] | 'all';
}

interface RawEvalOptions { data: string; valImages: string; evalImages: string; seed: string; batchSize: string; out?: string; json?: boolean; reference?: string }

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new RanasError('E_CLI_ARG', `${flag} is ${JSON.stringify(v)}; expected an integer ≥ ${min}`);
  return n;
}

function parseEvalOptions(paths: string[], r: RawEvalOptions): EvalOptions {
  const data: DataChoice = parseDataChoice(r.data);
  return {
    paths, data,
    valImages: r.valImages === 'auto' ? 'auto' : int('--val-images', r.valImages, 0),
    evalImages: parseEvalImages(r.evalImages),
    seed: int('--seed', r.seed, 0),
    batchSize: int('--batch-size', r.batchSize, 1),
    out: resolve(r.out ?? (paths.length === 1 ? paths[0] : 'eval-report')),
    json: r.json ?? false,
    references: r.reference === undefined ? [] : r.reference === 'all' ? 'all' : r.reference.split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** Seed of the test subset (the one `ranas export` and the demo take too). */
const EVAL_SUBSET_SEED = 2;

async function runEval(o: EvalOptions): Promise<void> {
  // The engine, data and report (vega) modules load here, not when the command registers.
  const { subset } = await import('../../data/splits.ts');
  const { initEngine } = await import('../../engine/backend.ts');
  const { evaluateModel } = await import('../../eval/evaluate-model.ts');
  const { resolveEvalTarget } = await import('../../eval/eval-target.ts');
  const { writeReport } = await import('../../eval/report.ts');
  const { createProgram } = await import('../../exec/program.ts');
  mkdirSync(o.out, { recursive: true });
  await initEngine();
  const evals: ModelEvaluation[] = [];
  let classes: number | undefined;
  for (const path of o.paths) {
    const t = await resolveEvalTarget(path, { data: o.data, valImages: o.valImages, seed: o.seed });
    const program = createProgram(t.graph);
    try {
      classes = t.data.test.classNames.length;
      const test = o.evalImages >= t.data.test.count ? t.data.test : subset(t.data.test, o.evalImages, EVAL_SUBSET_SEED);
      evals.push(await evaluateModel(program, test, {
        model: t.name, source: t.dir, batchSize: o.batchSize,
        validation: t.data.val && t.valNote ? { data: t.data.val, note: t.valNote } : undefined,
      }));
    } finally {
      program.dispose();
    }
  }
  const references = loadReferenceCurves(o.references);
  const written = await writeReport(join(o.out, 'report'), evals, 'accuracy vs MMACs', { classes, references });
  const rows: Row[] = [];
  for (const e of evals) {
    for (const x of e.exits) {
      rows.push({
        model: e.model, exit: x.exit + 1, layer: x.layer, MMACs: Math.round(x.mmacs * 1000) / 1000, top1: Math.round(x.top1 * 10000) / 100,
        ...(x.top5 === undefined ? {} : { top5: Math.round(x.top5 * 10000) / 100 }),
        anytimeArea: Math.round(e.anytimeArea * 10000) / 100,
      });
    }
  }
  const budgeted = evals.map((e) => e.budgeted
    ? `${e.model}: budgeted ${e.budgeted.length} points, ${e.budgeted[0].mmacs.toFixed(2)}–${e.budgeted[e.budgeted.length - 1].mmacs.toFixed(2)} MMACs → ${(100 * e.budgeted[0].accuracy).toFixed(2)}–${(100 * e.budgeted[e.budgeted.length - 1].accuracy).toFixed(2)} %`
    : `${e.model}: no validation split, no budgeted evaluation`);
  const refLines = references.map((r) => `published ${r.setting} curve "${r.name}": ${r.points.length} points, ${r.points[0].mmacs.toFixed(2)}–${r.points[r.points.length - 1].mmacs.toFixed(2)} MMACs → ${r.points[0].accuracy.toFixed(2)}–${r.points[r.points.length - 1].accuracy.toFixed(2)} % (${r.source.repository}/blob/${r.source.commit.slice(0, 7)}/${r.source.file})`);
  budgeted.push(...refLines);
  printTable(rows, { json: o.json, title: `accuracy in %, MMACs = millions of multiply-accumulates of answering at the exit (trunk + every head up to it, = the bundle's segments 0..k); report: ${written.html} (and .json, .svg)\n${budgeted.join('\n')}` });
}

/** Registers `ranas eval`. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate run or model folders: per-exit accuracy, anytime curve and area, MSDNet budgeted-batch; report.json + report.svg')
    .argument('<dirs...>', 'run folders (runs/<name>) or model folders (model.json + weights.bin)')
    .option('--data <src>', 'test data for model folders: cifar10 | cifar100 | mini | synthetic | DIR (CIFAR binary or image folder; run folders use their own)', 'cifar10')
    .option('--val-images <n>', 'validation images from the training set when the run held none out, or for model folders: auto = a fifth of the training images, at most 5000; 0 = no budgeted evaluation', 'auto')
    .option('--eval-images <n>', 'test images evaluated (a stratified subset; all = the whole test set)', 'all')
    .option('--seed <n>', 'seed of the validation split for model folders', '0')
    .option('--batch-size <n>', 'evaluation batch size', '250')
    .option('--out <dir>', 'output folder, created (default: the folder evaluated when one, ./eval-report for several)')
    .option('--reference <ids>', `overlay published curves from models/reference-curves/ (comma-separated ids or all: ${referenceCurveIds().join(', ')})`)
    .option('--json', 'print rows as JSON')
    .action(async (dirs: string[], raw: RawEvalOptions) => runEval(parseEvalOptions(dirs, raw)));
}
