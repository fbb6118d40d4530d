/**
 * `ranas predict IMAGE|DIR... --model DIR` — classify PNG/JPEG images (any size, resized) on the host.
 * DIR is a bundle folder, an export folder (--format/--precision choose the bundle; tflite-int8 first), a run
 * folder or a model folder. Bundles answer through the device's own agent: same pre-processing, anytime
 * policies and latency budgets as the device. Model folders run fp32 on the host (no latency profile).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { POLICY_NAMES, type InferPolicy } from '../../bundle-format/policy.ts';
import { RanasError } from '../../errors.ts';
import { chooseBundle, bundlesIn } from '../bundle-choice.ts';
import { resolveModelRef } from '../../pretrained-models.ts';
import { modelFolderOf } from '../model-folder.ts';
import { int, num } from '../run-options.ts';
import { printTable, type Row } from '../../text-table.ts';

/** Options of `ranas predict`, parsed once. */
export interface PredictOptions {
  paths: string[];
  model: string;
  format?: string;
  precision?: string;
  budgetUs: number;
  policy: InferPolicy;
  threshold?: number;
  topK: number;
  profileRuns: number;
  json: boolean;
}

interface RawPredictOptions { model?: string; format?: string; precision?: string; budgetUs: string; policy: string; threshold?: string; topK: string; profileRuns: string; json?: boolean }

const POLICIES: readonly InferPolicy[] = POLICY_NAMES;

/** Parses commander's values (exported for tests). */
export function parsePredictOptions(paths: string[], r: RawPredictOptions): PredictOptions {
  if (!r.model) throw new RanasError('E_CLI_ARG', 'missing --model <dir>: a bundle, export, run or model folder');
  const policy = POLICIES.find((p) => p === r.policy);
  if (!policy) throw new RanasError('E_CLI_ARG', `--policy is ${JSON.stringify(r.policy)}; expected one of ${POLICIES.join(', ')}`);
  return {
    paths, model: resolveModelRef(r.model), format: r.format, precision: r.precision, policy,
    budgetUs: num('--budget-us', r.budgetUs, (n) => n >= 0, 'a number of µs ≥ 0'),
    threshold: r.threshold === undefined ? undefined : num('--threshold', r.threshold, (n) => n >= 0 && n <= 1, 'a probability in [0, 1]'),
    topK: int('--top-k', r.topK, 1),
    profileRuns: int('--profile-runs', r.profileRuns, 1),
    json: r.json ?? false,
  };
}

/** One answered image. */
export interface Prediction {
  file: string;
  /** 1-based, as people count exits. */
  exit: number;
  label: string;
  classIndex: number;
  confidence: number;
  topK: { classIndex: number; label: string; confidence: number }[];
  totalUs?: number;
  budgetUs?: number;
  met?: boolean;
  rule?: string;
}

/** Classifies every image `o.paths` name; `source` says what answered. */
export async function predict(o: PredictOptions): Promise<{ source: string; predictions: Prediction[] }> {
  // The image, engine and agent modules load here, not when the command registers.
  const { imageFilesOf, readImageFile } = await import('../../data/image-file.ts');
  const files = o.paths.flatMap(imageFilesOf);
  const images = files.map(readImageFile);
  const isBundle = existsSync(join(o.model, 'manifest.json')) || bundlesIn(o.model).length > 0;
  if (isBundle) {
    const dir = chooseBundle(o.model, { format: o.format, precision: o.precision, preferred: 'tflite-int8' });
    const { predictWithBundle } = await import('../predict-with-bundle.ts');
    const answers = await predictWithBundle(dir, images, o);
    return {
      source: `bundle ${dir} (device agent on this host; budget ${o.budgetUs} µs, ${o.policy})`,
      predictions: answers.map((a, i) => ({ file: files[i], exit: a.exitIndex + 1, label: a.label, classIndex: a.classIndex, confidence: a.confidence, topK: a.topK, totalUs: a.totalUs, budgetUs: a.budgetUs, met: a.met })),
    };
  }
  const modelDir = modelFolderOf(o.model);
  const { initEngine } = await import('../../engine/backend.ts');
  const { predictWithModel } = await import('../../eval/predict-model.ts');
  const { loadModel } = await import('../../ir/serialize.ts');
  await initEngine();
  const answers = await predictWithModel(loadModel(modelDir), images, o);
  return {
    source: `model ${modelDir} (fp32 on the host, ${o.policy})`,
    predictions: answers.map((a, i) => ({ file: files[i], exit: a.exitIndex + 1, label: a.label, classIndex: a.classIndex, confidence: a.confidence, topK: a.topK, rule: a.rule })),
  };
}

/** Registers `ranas predict`. */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify PNG/JPEG images (any size, resized) on the host with a bundle (same policies and budgets as the device) or a model')
    .argument('<images...>', 'image files or folders of .png/.jpg/.jpeg files')
    .option('--model <dir>', 'bundle folder, export folder (ranas export --out), run folder, model folder, or pretrained:<name> (a network shipped in models/pretrained)')
    .option('--format <format>', 'export folder: bundle format, tflite | onnx (default: tflite-int8 when present)')
    .option('--precision <precision>', 'export folder: bundle precision, fp32 | int8')
    .option('--budget-us <us>', 'latency budget of one inference, µs (bundles: measured on this host)', '100000')
    .option('--policy <policy>', 'anytime policy: deadline | confidence | planned', 'deadline')
    .option('--threshold <p>', 'confidence threshold (overrides the manifest\'s)')
    .option('--top-k <k>', 'classes reported per image', '3')
    .option('--profile-runs <n>', 'bundles: profiler runs per segment before answering', '50')
    .option('--json', 'print JSON instead of tables')
    .action(async (paths: string[], raw: RawPredictOptions) => {
      const o = parsePredictOptions(paths, raw);
      const r = await predict(o);
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const rows: Row[] = r.predictions.map((p) => ({
        file: p.file, exit: p.exit, label: p.label, confidence: Math.round(p.confidence * 1000) / 1000,
        [`top ${o.topK}`]: p.topK.map((t) => `${t.label} ${(100 * t.confidence).toFixed(1)}%`).join(', '),
        ...(p.totalUs === undefined ? {} : { 'total µs': Math.round(p.totalUs), met: p.met ?? null }),
      }));
      printTable(rows, { title: r.source });
    });
}
