/**
 * `ranas eval <run dir|model dir> [more ...]` — per-exit test accuracy, anytime curve and its area, and
 * MSDNet budgeted-batch evaluation for each model; writes `report.json` + `report.svg` (all models
 * overlaid) and prints a table.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { initEngine } from '../../engine/backend.ts';
import { RanasError } from '../../errors.ts';
import { evaluateModel, type ModelEvaluation } from '../../eval/evaluate-model.ts';
import { resolveEvalTarget } from '../../eval/eval-target.ts';
import { writeReport } from '../../eval/report.ts';
import { createProgram } from '../../exec/program.ts';
import type { DataChoice } from '../../run/run-options.ts';
import { printTable, type Row } from '../../text-table.ts';

/** Options of `ranas eval`. */
interface EvalOptions {
  paths: string[];
  data: DataChoice;
  valImages: number;
  seed: number;
  batchSize: number;
  /** Report path without extension. */
  out: string;
  json: boolean;
}

interface RawEvalOptions { data: string; valImages: string; seed: string; batchSize: string; out?: string; json?: boolean }

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new RanasError('E_CLI_ARG', `${flag} is ${JSON.stringify(v)}; expected an integer ≥ ${min}`);
  return n;
}

function parseEvalOptions(paths: string[], r: RawEvalOptions): EvalOptions {
  const data: DataChoice = r.data === 'cifar10' || r.data === 'mini' || r.data === 'synthetic' ? r.data : { dir: r.data };
  return {
    paths, data,
    valImages: int('--val-images', r.valImages, 0),
    seed: int('--seed', r.seed, 0),
    batchSize: int('--batch-size', r.batchSize, 1),
    out: r.out ?? (paths.length === 1 ? join(paths[0], 'report') : 'report'),
    json: r.json ?? false,
  };
}

async function runEval(o: EvalOptions): Promise<void> {
  await initEngine();
  const evals: ModelEvaluation[] = [];
  for (const path of o.paths) {
    const t = await resolveEvalTarget(path, { data: o.data, valImages: o.valImages, seed: o.seed });
    const program = createProgram(t.graph);
    try {
      evals.push(await evaluateModel(program, t.data.test, {
        model: t.name, source: t.dir, batchSize: o.batchSize,
        validation: t.data.val && t.valNote ? { data: t.data.val, note: t.valNote } : undefined,
      }));
    } finally {
      program.dispose();
    }
  }
  const written = await writeReport(o.out, evals);
  const rows: Row[] = [];
  for (const e of evals) {
    for (const x of e.exits) {
      rows.push({
        model: e.model, exit: x.exit, layer: x.layer, mflops: Math.round(x.mflops * 1000) / 1000, top1: Math.round(x.top1 * 10000) / 100,
        ...(x.top5 === undefined ? {} : { top5: Math.round(x.top5 * 10000) / 100 }),
        anytimeArea: Math.round(e.anytimeArea * 10000) / 100,
      });
    }
  }
  const budgeted = evals.map((e) => e.budgeted
    ? `${e.model}: budgeted ${e.budgeted.length} points, ${e.budgeted[0].mflops.toFixed(2)}–${e.budgeted[e.budgeted.length - 1].mflops.toFixed(2)} MFLOPs → ${(100 * e.budgeted[0].accuracy).toFixed(2)}–${(100 * e.budgeted[e.budgeted.length - 1].accuracy).toFixed(2)} %`
    : `${e.model}: no validation split, no budgeted evaluation`);
  printTable(rows, { json: o.json, title: `accuracy in %, MFLOPs = multiply-adds / 1e6; report: ${written.json}, ${written.svg}\n${budgeted.join('\n')}` });
}

/** Registers `ranas eval`. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate run or model folders: per-exit accuracy, anytime curve and area, MSDNet budgeted-batch; report.json + report.svg')
    .argument('<dirs...>', 'run folders (runs/<name>) or model folders (model.json + weights.bin)')
    .option('--data <src>', 'test data for model folders: cifar10 | mini | synthetic | DIR (run folders use their own)', 'cifar10')
    .option('--val-images <n>', 'validation images from the training set when the run held none out, or for model folders (0 = no budgeted evaluation)', '5000')
    .option('--seed <n>', 'seed of the validation split for model folders', '0')
    .option('--batch-size <n>', 'evaluation batch size', '250')
    .option('--out <base>', 'report path without extension (default <dir>/report for one folder, ./report for several)')
    .option('--json', 'print rows as JSON')
    .action(async (dirs: string[], raw: RawEvalOptions) => runEval(parseEvalOptions(dirs, raw)));
}
