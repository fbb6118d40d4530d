/**
 * What `ranas eval` was pointed at: a run folder (with `model/` and `config.json`) or a model folder
 * (`model.json` + `weights.bin`), and the data to evaluate it on — for a run folder, the same data and
 * held-out validation split the run used (rebuilt from its config); otherwise the given data, with the
 * validation split drawn from the training set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { RanasError } from '../errors.ts';
import { loadModel } from '../ir/serialize.ts';
import type { ModelGraph } from '../ir/types.ts';
import { chooseData, type TrainData } from '../train/data-choice.ts';
import type { DataChoice } from '../train/train-options.ts';

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

/** Resolves one path given to `ranas eval`. */
export async function resolveEvalTarget(path: string, defaults: EvalDataDefaults): Promise<EvalTarget> {
  const dir = resolve(path);
  const modelDir = existsSync(join(dir, 'model', 'model.json')) ? join(dir, 'model') : dir;
  if (!existsSync(join(modelDir, 'model.json'))) {
    throw new RanasError('E_EVAL_TARGET', `${path}: no model.json here or in ${join(path, 'model')}; expected a run folder or a model folder`, { path });
  }
  const graph = loadModel(modelDir);
  const run = runOptions(join(dir, 'config.json'));
  if (run) {
    const valImages = intOr(run.valImages, 0);
    const subsetRaw = run.subset;
    const data = await chooseData(parseDataChoice(run.data, defaults.data), {
      subset: typeof subsetRaw === 'number' ? subsetRaw : undefined, valImages, seed: intOr(run.seed, 0),
    });
    return { name: basename(dir), dir, graph, data, valNote: data.val ? `${data.val.count} training images held out by the run (--val-images)` : null };
  }
  const data = await chooseData(defaults.data, { valImages: defaults.valImages, seed: defaults.seed });
  return {
    name: basename(dir), dir, graph, data,
    valNote: data.val ? `${data.val.count} training images (possibly seen in training: thresholds may be optimistic)` : null,
  };
}
