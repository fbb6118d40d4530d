/**
 * What `ranas eval` was pointed at: a run folder (with `model/` and `config.json`) or a model folder
 * (`model.json` + `weights.bin`), and the data to evaluate it on — for a run folder, the same data and
 * held-out validation split the run used (rebuilt from its config); otherwise the given data, with the
 * validation split drawn from the training set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { RanasError } from '../errors.ts';
import { bufferNames } from '../exec/program.ts';
import { loadModel } from '../ir/serialize.ts';
import type { ModelGraph } from '../ir/types.ts';
import { readCheckpoint } from '../run/checkpoint.ts';
import { chooseData, type TrainData } from '../run/data-choice.ts';
import { chooseModel } from '../run/model-choice.ts';
import type { DataChoice } from '../run/run-options.ts';

/** A model to evaluate with its data. */
export interface EvalTarget {
  name: string;
  dir: string;
  graph: ModelGraph;
  data: TrainData;
  /** Where the validation split comes from. */
  valNote: string | null;
}

/** Defaults when the folder is not a run folder. */
export interface EvalDataDefaults {
  data: DataChoice;
  /** Training images used as the validation split (0 = no budgeted evaluation). */
  valImages: number;
  seed: number;
}

function runOptions(configPath: string): Record<string, unknown> | null {
  if (!existsSync(configPath)) return null;
  const doc: unknown = JSON.parse(readFileSync(configPath, 'utf8'));
  const o: unknown = typeof doc === 'object' && doc !== null ? Reflect.get(doc, 'options') : null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  return Object.fromEntries(Object.entries(o));
}

function parseDataChoice(v: unknown, fallback: DataChoice): DataChoice {
  if (v === 'cifar10' || v === 'mini' || v === 'synthetic') return v;
  if (typeof v === 'object' && v !== null) {
    const dir: unknown = Reflect.get(v, 'dir');
    if (typeof dir === 'string') return { dir };
  }
  return fallback;
}

const intOr = (v: unknown, d: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : d);

const strOr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The model of an unfinished run folder: rebuilt from its config (same preset, genotype, scales, exits
 * and seed), with the weights and batch-norm statistics of its last checkpoint.
 */
function graphFromCheckpoint(dir: string, run: Record<string, unknown>): ModelGraph {
  const scales = run.scales === 1 || run.scales === 2 || run.scales === 3 ? run.scales : undefined;
  const graph = chooseModel({
    preset: strOr(run.preset) ?? 'tiny', genotype: strOr(run.genotype), modelDir: strOr(run.modelDir), scales,
    singleExit: run.singleExit === true, seed: intOr(run.seed, 0),
  });
  const ck = readCheckpoint(join(dir, 'checkpoint.bin'));
  const buffers = bufferNames(graph);
  const weights = { ...graph.weights };
  for (const [name, w] of Object.entries(graph.weights)) {
    const saved = ck.tensors.variable.get(name) ?? ck.tensors.buffer.get(name);
    if (!saved && !w.trainable && !buffers.has(name)) continue; // a constant: not checkpointed
    if (!saved || saved.length !== w.data.length) {
      throw new RanasError('E_EVAL_TARGET', `${join(dir, 'checkpoint.bin')}: weight ${name} expected ${w.data.length} values, found ${saved?.length ?? 'none'}`);
    }
    weights[name] = { ...w, data: saved };
  }
  return { ...graph, weights, meta: { ...graph.meta, checkpointStep: ck.step } };
}

/** Resolves one path given to `ranas eval` (a finished run, an unfinished run with a checkpoint, or a model folder). */
export async function resolveEvalTarget(path: string, defaults: EvalDataDefaults): Promise<EvalTarget> {
  const dir = resolve(path);
  const modelDir = existsSync(join(dir, 'model', 'model.json')) ? join(dir, 'model') : dir;
  const run = runOptions(join(dir, 'config.json'));
  const fromCheckpoint = !existsSync(join(modelDir, 'model.json')) && run !== null && existsSync(join(dir, 'checkpoint.bin'));
  if (!existsSync(join(modelDir, 'model.json')) && !fromCheckpoint) {
    throw new RanasError('E_EVAL_TARGET', `${path}: no model.json here or in ${join(path, 'model')}, and no run checkpoint; expected a run folder or a model folder`, { path });
  }
  const graph = fromCheckpoint && run ? graphFromCheckpoint(dir, run) : loadModel(modelDir);
  if (run) {
    // The run's own held-out split when it made one; else `defaults.valImages` training images (seen in training).
    const ownVal = intOr(run.valImages, 0);
    const valImages = ownVal > 0 ? ownVal : defaults.valImages;
    const subsetRaw = run.subset;
    const data = await chooseData(parseDataChoice(run.data, defaults.data), {
      subset: typeof subsetRaw === 'number' ? subsetRaw : undefined, valImages, seed: intOr(run.seed, 0),
    });
    const name = fromCheckpoint ? `${basename(dir)}@step${String(graph.meta.checkpointStep)}` : basename(dir);
    return { name, dir, graph, data, valNote: !data.val ? null : ownVal > 0 ? `${data.val.count} training images held out by the run (--val-images)` : `${data.val.count} training images (seen in training: thresholds may be optimistic)` };
  }
  const data = await chooseData(defaults.data, { valImages: defaults.valImages, seed: defaults.seed });
  return {
    name: basename(dir), dir, graph, data,
    valNote: data.val ? `${data.val.count} training images (possibly seen in training: thresholds may be optimistic)` : null,
  };
}
