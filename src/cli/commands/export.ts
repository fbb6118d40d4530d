/**
 * `ranas export <model dir> -o <out> [--int8] [--format tflite,onnx] [--calib N] [--percentile P]
 *  [--target generic|edgetpu] [--float-io] [--split-heads] [--eval N] [--mini] [--json]` — model → bundles
 * `<out>/<format>-<precision>/` + `<out>/export-report.json`, and prints the size and per-exit accuracy tables.
 * Data (calibration from the train split, accuracy on the test split): `--data` (cifar10 | cifar100 | mini |
 * synthetic | DIR, as train takes it), by default the data the model was trained on (its `meta.dataset`), else
 * cifar10 (cached, else fetched, else an error — never the mini set silently; `--mini` = `--data mini`).
 * `--split-heads` also writes every segment as a trunk and a head file (the device's `planned` policy runs the
 * trunks up to its exit and that exit's head only); the printed table then says whether they were checked.
 * Class names come from the model (recorded at training), else from the data.
 */
import { existsSync, rmSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { modelFolderOf } from '../model-folder.ts';
import { RanasError } from '../../errors.ts';
import { parseDataChoice, type DataChoice } from '../../run/run-options.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../../../converters/export-formats.ts';
import type { ExportReport } from '../../../converters/export.ts';
import { printTable, type Row } from '../../text-table.ts';
import { sayLine } from '../../terminal/status-line.ts';

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
  readonly splitHeads: boolean;
  readonly evalImages: number;
  /** int8 bundles also carry fp32 segments; the device picks per segment within this top-1 tolerance (0..1). */
  readonly precisionChoice?: { toleranceTop1: number };
  /** Undefined: the model's own training data. */
  readonly data?: DataChoice;
  readonly json: boolean;
}

interface RawOptions {
  out?: string;
  /** Old name of --out (hidden). */
  output?: string;
  int8?: boolean;
  format?: string;
  calib?: string;
  percentile?: string;
  target?: string;
  floatIo?: boolean;
  splitHeads?: boolean;
  precisionChoice?: boolean | string;
  evalImages: string;
  /** Old name of --eval-images (hidden). */
  eval?: string;
  mini?: boolean;
  data?: string;
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

/** Default test images of the export's accuracy table: a quick check (about 10 s per bundle); `all` on request. */
export const EXPORT_EVAL_IMAGES = 1000;

/** `--eval-images`: a count or \`all\` (the whole test set). */
export function parseEvalImages(v: string): number {
  return v === 'all' ? Number.MAX_SAFE_INTEGER : parseCount('--eval-images', v, 0);
}

function parseCount(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new RanasError('E_CLI_ARG', `${flag} is "${v}"; expected an integer ≥ ${min}`);
  return n;
}

function parseOptions(modelDir: string, raw: RawOptions): ExportCliOptions {
  const outDir = raw.out ?? raw.output;
  if (!outDir) throw new RanasError('E_CLI_ARG', 'missing --out <dir> (-o <dir>): the folder the bundles go to');
  const target = raw.target ?? 'generic';
  if (target !== 'generic' && target !== 'edgetpu') throw new RanasError('E_CLI_ARG', `--target is "${target}"; expected generic or edgetpu`);
  const percentile = raw.percentile === undefined ? undefined : Number(raw.percentile);
  if (percentile !== undefined && !(percentile > 50 && percentile <= 100)) {
    throw new RanasError('E_CLI_ARG', `--percentile is "${raw.percentile}"; expected a number in (50, 100]`);
  }
  return {
    modelDir,
    outDir,
    int8: raw.int8 === true,
    formats: parseFormats(raw.format ?? 'tflite,onnx'),
    calibImages: parseCount('--calib', raw.calib ?? '512', 1),
    percentile,
    target,
    floatIo: raw.floatIo === true,
    splitHeads: raw.splitHeads === true,
    evalImages: raw.eval !== undefined ? parseCount('--eval', raw.eval, 0) : parseEvalImages(raw.evalImages),
    data: raw.mini === true ? 'mini' : raw.data === undefined ? undefined : parseDataChoice(raw.data),
    json: raw.json === true,
    ...(raw.precisionChoice === undefined || raw.precisionChoice === false ? {} : { precisionChoice: parsePrecisionChoice(raw.precisionChoice, raw.int8 === true) }),
  };
}

/** `--precision-choice [points]`: top-1 points a segment's int8 form may lose against fp32 (default 0.5). */
function parsePrecisionChoice(v: boolean | string, int8: boolean): { toleranceTop1: number } {
  if (!int8) throw new RanasError('E_CLI_ARG', '--precision-choice needs --int8 (it puts fp32 segments beside the int8 ones)');
  const points = v === true ? 0.5 : Number(v);
  if (!(points >= 0 && points <= 100)) throw new RanasError('E_CLI_ARG', `--precision-choice is "${String(v)}"; expected top-1 points between 0 and 100 (default 0.5)`);
  return { toleranceTop1: points / 100 };
}

/** The printed tables: bundle sizes (with the ratio to the fp32 bundle of the same format) and per-exit top-1. */
export function reportTables(report: ExportReport): { sizes: Row[]; exits: Row[] } {
  const fp32Size = (runtime: string) => report.bundles.find((b) => b.runtime === runtime && b.precision === 'fp32')?.totalBytes;
  const sizes: Row[] = report.bundles.map((b) => {
    const base = fp32Size(b.runtime);
    return {
      bundle: b.name, segmentsBytes: b.segmentsBytes, monolithicBytes: b.monolithicBytes, totalBytes: b.totalBytes,
      vsFp32: base ? Math.round((b.totalBytes / base) * 1000) / 1000 : null, chainMatches: b.chainMatches,
      ...(b.partsMatch === undefined ? {} : { partsBytes: b.partsBytes ?? null, partsMatch: b.partsMatch === null ? null : b.partsMatch.every(Boolean) }),
    };
  });
  const exits: Row[] = report.exits.map((e, k) => {
    const row: Row = { exit: e.index + 1, MMACs: Math.round(e.cumulativeMacs / 1e4) / 100 };
    for (const b of report.bundles) {
      const acc = b.exitAccuracy[k];
      row[`${b.name} top1%`] = acc === null || acc === undefined ? null : Math.round(acc * 10000) / 100;
    }
    return row;
  });
  return { sizes, exits };
}

async function runExport(o: ExportCliOptions): Promise<void> {
  // The model, data and converter modules load here, not when the command registers.
  const { loadModel } = await import('../../ir/serialize.ts');
  const { chooseData, dataName } = await import('../../run/data-choice.ts');
  const { exportModel } = await import('../../../converters/export.ts');
  const graph = loadModel(modelFolderOf(o.modelDir));
  const needData = o.int8 || o.evalImages > 0;
  const log = o.json ? undefined : sayLine;
  const trainedOn = typeof graph.meta.dataset === 'string' ? parseDataChoice(graph.meta.dataset) : undefined;
  const dataChoice = o.data ?? trainedOn ?? 'cifar10';
  const loaded = needData ? await chooseData(dataChoice, { valImages: 0, seed: 0, inputShape: graph.inputs[0]?.shape, log }) : undefined;
  const choice = loaded ? { which: dataName(dataChoice), reason: loaded.note, train: loaded.train, test: loaded.test } : undefined;
  if (choice) log?.(`data: ${choice.reason}`);
  // A new output folder that a failure leaves half-written is removed (an existing one keeps its old bundles:
  // each bundle is replaced atomically).
  const created = !existsSync(o.outDir);
  let report: ExportReport;
  try {
    report = await exportModel(graph, {
      outDir: o.outDir,
      formats: o.formats,
      int8: o.int8,
      calibImages: o.calibImages,
      percentile: o.percentile,
      target: o.target,
      floatIo: o.floatIo,
      splitHeads: o.splitHeads,
      evalImages: o.evalImages,
      ...(o.precisionChoice ? { precisionChoice: o.precisionChoice } : {}),
      data: choice ? { train: choice.train, test: choice.test, name: choice.which, source: `${choice.which}: ${choice.reason}` } : undefined,
      log,
    });
  } catch (e) {
    if (created) rmSync(o.outDir, { recursive: true, force: true });
    throw e;
  }
  const { sizes, exits } = reportTables(report);
  if (o.json) {
    process.stdout.write(JSON.stringify({ sizes, exits }, null, 2) + '\n');
    return;
  }
  printTable(sizes, { title: `bundles in ${o.outDir} (report: export-report.json)` });
  const evalNote = report.evaluation ? `top-1 on ${report.evaluation.images} test images (${report.evaluation.source})` : 'not evaluated';
  printTable(exits, { title: `\nper exit: MMACs of answering there (trunk + every head up to the exit = segments 0..k) and ${evalNote}` });
  if (report.heads) {
    const h = report.heads;
    sayLine(`heads: ${(100 * h.shareOfFullCost).toFixed(1)} % of the full cost; planned / anytime MACs per exit: ${h.plannedOverAnytime.map((r) => r.toFixed(3)).join(', ')}`);
  }
}

/** Registers `ranas export`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('fold batch-norm, fuse ReLU, optionally quantise to int8, cut into exit segments and write TFLite/ONNX bundles')
    .argument('<dir>', 'run folder (runs/<name>, its model/) or model folder (model.json + weights.bin)')
    .option('-o, --out <dir>', 'output folder (created): one bundle per format and precision + export-report.json')
    .addOption(new Option('--output <dir>', 'old name of --out').hideHelp())
    .option('--int8', 'also write full-int8 (TFLite) / QDQ int8 (ONNX) bundles, calibrated on train images', false)
    .option('--format <list>', 'comma-separated formats: tflite, onnx', 'tflite,onnx')
    .option('--calib <n>', 'calibration images from the train split', '512')
    .option('--percentile <p>', 'percentile calibration (e.g. 99.99) instead of min/max')
    .option('--target <t>', 'generic | edgetpu (lints the int8 model against Edge TPU constraints)', 'generic')
    .option('--float-io', 'int8 models take and give float32', false)
    .option('--split-heads', "also write each segment as trunk + head files, for the device's planned policy (about twice the bundle)", false)
    .option('--precision-choice [points]', 'int8 bundles also carry the fp32 segments; the device runs each segment in the faster precision whose exit top-1 is within [points] (default 0.5) of the best')
    .option('--eval-images <n>', `test images for the per-exit accuracy table: a short check by default, all = the whole test set, 0 = skip`, String(EXPORT_EVAL_IMAGES))
    .addOption(new Option('--eval <n>', 'old name of --eval-images').hideHelp())
    .option('--data <src>', 'calibration/evaluation data: cifar10 | cifar100 | mini | synthetic | DIR (default: what the model was trained on, else cifar10)')
    .option('--mini', 'same as --data mini (the shipped 1,000-image CIFAR-10 subset)', false)
    .option('--json', 'print the tables as JSON', false)
    .action(async (modelDir: string, raw: RawOptions) => {
      await runExport(parseOptions(modelDir, raw));
    });
}
