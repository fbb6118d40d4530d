/**
 * `ranas export <model dir> -o <out> [--int8] [--format tflite,onnx] [--calib N] [--percentile P]
 *  [--target generic|edgetpu] [--float-io] [--eval N] [--mini] [--json]` — model → bundles
 * `<out>/<format>-<precision>/` + `<out>/export-report.json`, and prints the size and per-exit accuracy tables.
 * Data (calibration from the train split, accuracy on the test split): CIFAR-10 when cached, else the mini
 * set shipped in the repo (`--mini` forces it); the report names which.
 */
import type { Command } from 'commander';
import { RanasError } from '../../errors.ts';
import { loadModel } from '../../ir/serialize.ts';
import { loadCifar10OrMini } from '../../data/dataset-choice.ts';
import { EXPORT_FORMATS, exportModel, type ExportFormat, type ExportReport } from '../../../converters/export.ts';
import { printTable, type Row } from '../../text-table.ts';

/** Options of `ranas export`, parsed once. */
interface ExportCliOptions {
  readonly modelDir: string;
  readonly outDir: string;
  readonly int8: boolean;
  readonly formats: ExportFormat[];
  readonly calibImages: number;
  readonly percentile?: number;
  readonly target: 'generic' | 'edgetpu';
  readonly floatIo: boolean;
  readonly evalImages: number;
  readonly mini: boolean;
  readonly json: boolean;
}

interface RawOptions {
  output?: string;
  int8?: boolean;
  format?: string;
  calib?: string;
  percentile?: string;
  target?: string;
  floatIo?: boolean;
  eval?: string;
  mini?: boolean;
  json?: boolean;
}

function isFormat(v: string): v is ExportFormat {
  return EXPORT_FORMATS.some((f) => f === v);
}

function parseFormats(v: string): ExportFormat[] {
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  const formats: ExportFormat[] = [];
  for (const p of parts) {
    if (!isFormat(p)) throw new RanasError('E_CLI_ARG', `unknown format "${p}" in --format; expected ${EXPORT_FORMATS.join(', ')}`);
    if (!formats.includes(p)) formats.push(p);
  }
  return formats;
}

function parseCount(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new RanasError('E_CLI_ARG', `${flag} is "${v}"; expected an integer ≥ ${min}`);
  return n;
}

function parseOptions(modelDir: string, raw: RawOptions): ExportCliOptions {
  if (!raw.output) throw new RanasError('E_CLI_ARG', 'missing -o <bundle dir>');
  const target = raw.target ?? 'generic';
  if (target !== 'generic' && target !== 'edgetpu') throw new RanasError('E_CLI_ARG', `--target is "${target}"; expected generic or edgetpu`);
  const percentile = raw.percentile === undefined ? undefined : Number(raw.percentile);
  if (percentile !== undefined && !(percentile > 50 && percentile <= 100)) {
    throw new RanasError('E_CLI_ARG', `--percentile is "${raw.percentile}"; expected a number in (50, 100]`);
  }
  return {
    modelDir,
    outDir: raw.output,
    int8: raw.int8 === true,
    formats: parseFormats(raw.format ?? 'tflite,onnx'),
    calibImages: parseCount('--calib', raw.calib ?? '512', 1),
    percentile,
    target,
    floatIo: raw.floatIo === true,
    evalImages: parseCount('--eval', raw.eval ?? '10000', 0),
    mini: raw.mini === true,
    json: raw.json === true,
  };
}

/** The printed tables: bundle sizes (with the ratio to the fp32 bundle of the same format) and per-exit top-1. */
export function reportTables(report: ExportReport): { sizes: Row[]; exits: Row[] } {
  const fp32Size = (runtime: string) => report.bundles.find((b) => b.runtime === runtime && b.precision === 'fp32')?.totalBytes;
  const sizes: Row[] = report.bundles.map((b) => {
    const base = fp32Size(b.runtime);
    return {
      bundle: b.name, segmentsBytes: b.segmentsBytes, monolithicBytes: b.monolithicBytes, totalBytes: b.totalBytes,
      vsFp32: base ? Math.round((b.totalBytes / base) * 1000) / 1000 : null, chainMatches: b.chainMatches,
    };
  });
  const exits: Row[] = report.exits.map((e, k) => {
    const row: Row = { exit: e.index, MMACs: Math.round(e.cumulativeMacs / 1e4) / 100 };
    for (const b of report.bundles) {
      const acc = b.exitAccuracy[k];
      row[`${b.name} top1%`] = acc === null || acc === undefined ? null : Math.round(acc * 10000) / 100;
    }
    return row;
  });
  return { sizes, exits };
}

async function runExport(o: ExportCliOptions): Promise<void> {
  const graph = loadModel(o.modelDir);
  const needData = o.int8 || o.evalImages > 0;
  const choice = needData ? await loadCifar10OrMini({ fetch: false, forceMini: o.mini }) : undefined;
  const log = o.json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  if (choice) log?.(`data: ${choice.which} (${choice.reason})`);
  const report = await exportModel(graph, {
    outDir: o.outDir,
    formats: o.formats,
    int8: o.int8,
    calibImages: o.calibImages,
    percentile: o.percentile,
    target: o.target,
    floatIo: o.floatIo,
    evalImages: o.evalImages,
    data: choice ? { train: choice.train, test: choice.test, name: choice.which, source: `${choice.which}: ${choice.reason}` } : undefined,
    log,
  });
  const { sizes, exits } = reportTables(report);
  if (o.json) {
    process.stdout.write(JSON.stringify({ sizes, exits }, null, 2) + '\n');
    return;
  }
  printTable(sizes, { title: `bundles in ${o.outDir} (report: export-report.json)` });
  const evalNote = report.evaluation ? `top-1 on ${report.evaluation.images} test images (${report.evaluation.source})` : 'not evaluated';
  printTable(exits, { title: `\nper exit: cumulative MACs and ${evalNote}` });
}

/** Registers `ranas export`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('fold batch-norm, fuse ReLU, optionally quantise to int8, cut into exit segments and write TFLite/ONNX bundles')
    .argument('<model dir>', 'folder with model.json + weights.bin')
    .requiredOption('-o, --output <dir>', 'output folder: one bundle per format and precision + export-report.json')
    .option('--int8', 'also write full-int8 (TFLite) / QDQ int8 (ONNX) bundles, calibrated on train images', false)
    .option('--format <list>', 'comma-separated formats: tflite, onnx', 'tflite,onnx')
    .option('--calib <n>', 'calibration images from the train split', '512')
    .option('--percentile <p>', 'percentile calibration (e.g. 99.99) instead of min/max')
    .option('--target <t>', 'generic | edgetpu (lints the int8 model against Edge TPU constraints)', 'generic')
    .option('--float-io', 'int8 models take and give float32', false)
    .option('--eval <n>', 'test images for the per-exit accuracy table (0 skips)', '10000')
    .option('--mini', 'use the shipped CIFAR-10 mini set even when CIFAR-10 is cached', false)
    .option('--json', 'print the tables as JSON', false)
    .action(async (modelDir: string, raw: RawOptions) => {
      await runExport(parseOptions(modelDir, raw));
    });
}
