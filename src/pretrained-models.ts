/**
 * Trained networks that ship with ranas: `models/pretrained/<name>/` holds the IR (`model/`), int8 bundles
 * (`onnx-int8/`, `tflite-int8/`) and `pretrained.json` — where the network came from (the study that trained
 * it, the commit, how it was chosen) and its accuracy and latency per exit. `ranas study` writes them; the
 * demo flashes them beside its quick model; `ranas predict --model pretrained:<name>` and
 * `ranas device flash pretrained:<name>` name them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from './errors.ts';
import { packagePath } from './package-root.ts';

/** Where shipped networks live, relative to the package root. */
export const PRETRAINED_FOLDER = ['models', 'pretrained'] as const;

/** How a name on the command line refers to a shipped network. */
export const PRETRAINED_PREFIX = 'pretrained:';

/** One exit of a shipped network: test top-1 (fp32, and int8 in each bundle), cost, measured latency. */
export interface PretrainedExit {
  exit: number;
  anytimeMacs: number;
  valTop1: number;
  fp32Top1: number;
  int8OnnxTop1: number | null;
  int8TfliteTop1: number | null;
  /** Latency to this exit on the study's local agent (onnx-int8), µs; null when not measured. */
  p50Us: number | null;
  p99Us: number | null;
}

/** `pretrained.json`. */
export interface PretrainedInfo {
  name: string;
  label: string;
  dataset: string;
  params: number;
  testImages: number;
  exits: PretrainedExit[];
  /** Bundle folders inside (e.g. onnx-int8, tflite-int8). */
  bundles: string[];
  source: { study: string; network: string; commit: string; genotypeHash: string | null; epochs: number; trainImages: number; selection: string };
  createdAt: string;
}

/** The folder of shipped networks (override for tests). */
export function pretrainedRoot(): string {
  return process.env.RANAS_PRETRAINED_DIR ?? packagePath(...PRETRAINED_FOLDER);
}

/** Names of the shipped networks (folders holding pretrained.json), sorted. */
export function pretrainedNames(root = pretrainedRoot()): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'pretrained.json'))).map((e) => e.name).sort();
}

/** The folder of shipped network `name`; E_NO_PRETRAINED naming the ones there are. */
export function pretrainedDir(name: string, root = pretrainedRoot()): string {
  const names = pretrainedNames(root);
  if (!names.includes(name)) {
    throw new RanasError('E_NO_PRETRAINED', `no shipped network named '${name}' in ${root}; ${names.length > 0 ? `there are: ${names.join(', ')}` : 'none is shipped yet (ranas study writes them)'}`, { name });
  }
  return join(root, name);
}

/** `pretrained:<name>` → its folder; any other reference is returned as it is (a path). */
export function resolveModelRef(ref: string, root = pretrainedRoot()): string {
  return ref.startsWith(PRETRAINED_PREFIX) ? pretrainedDir(ref.slice(PRETRAINED_PREFIX.length), root) : ref;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): v is number | null => v === null || isNum(v);

/** Reads and checks `<dir>/pretrained.json`; E_NO_PRETRAINED naming the field that is wrong. */
export function readPretrained(dir: string): PretrainedInfo {
  const file = join(dir, 'pretrained.json');
  const bad = (what: string) => new RanasError('E_NO_PRETRAINED', `${file}: ${what}`, { file });
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw bad(`not readable JSON (${e instanceof Error ? e.message : String(e)}); expected the file ranas study writes`);
  }
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const get = (k: string): unknown => Reflect.get(v, k);
  for (const k of ['name', 'label', 'dataset', 'createdAt']) if (typeof get(k) !== 'string') throw bad(`field ${k} is ${JSON.stringify(get(k))}; expected a string`);
  for (const k of ['params', 'testImages']) if (!isNum(get(k))) throw bad(`field ${k} is ${JSON.stringify(get(k))}; expected a number`);
  const exitsRaw = get('exits');
  if (!Array.isArray(exitsRaw) || exitsRaw.length === 0) throw bad('field exits is not a non-empty list');
  const exits = exitsRaw.map((e: unknown, i): PretrainedExit => {
    const f = (k: string): unknown => (typeof e === 'object' && e !== null ? Reflect.get(e, k) : undefined);
    const n = (k: string): number => { const x = f(k); if (!isNum(x)) throw bad(`exits[${i}].${k} is ${JSON.stringify(x)}; expected a number`); return x; };
    const m = (k: string): number | null => { const x = f(k); if (!numOrNull(x)) throw bad(`exits[${i}].${k} is ${JSON.stringify(x)}; expected a number or null`); return x; };
    return { exit: n('exit'), anytimeMacs: n('anytimeMacs'), valTop1: n('valTop1'), fp32Top1: n('fp32Top1'), int8OnnxTop1: m('int8OnnxTop1'), int8TfliteTop1: m('int8TfliteTop1'), p50Us: m('p50Us'), p99Us: m('p99Us') };
  });
  const bundles = get('bundles');
  if (!Array.isArray(bundles) || !bundles.every((b): b is string => typeof b === 'string' && existsSync(join(dir, b, 'manifest.json')))) throw bad(`field bundles is ${JSON.stringify(bundles)}; expected bundle folders inside ${dir}`);
  const src = get('source');
  const sf = (k: string): unknown => (typeof src === 'object' && src !== null ? Reflect.get(src, k) : undefined);
  const str = (x: unknown, what: string): string => { if (typeof x !== 'string') throw bad(`${what} is ${JSON.stringify(x)}; expected a string`); return x; };
  const num = (x: unknown, what: string): number => { if (!isNum(x)) throw bad(`${what} is ${JSON.stringify(x)}; expected a number`); return x; };
  const gh = sf('genotypeHash');
  return {
    name: str(get('name'), 'name'), label: str(get('label'), 'label'), dataset: str(get('dataset'), 'dataset'),
    params: num(get('params'), 'params'), testImages: num(get('testImages'), 'testImages'), exits, bundles,
    source: {
      study: str(sf('study'), 'source.study'), network: str(sf('network'), 'source.network'), commit: str(sf('commit'), 'source.commit'),
      genotypeHash: gh === null ? null : str(gh, 'source.genotypeHash'), epochs: num(sf('epochs'), 'source.epochs'),
      trainImages: num(sf('trainImages'), 'source.trainImages'), selection: str(sf('selection'), 'source.selection'),
    },
    createdAt: str(get('createdAt'), 'createdAt'),
  };
}
