/**
 * Published reference points that `ranas eval --reference` overlays on its plot and lists in `report.json`.
 * Each file of `models/reference-curves/` holds one curve with where it comes from (repository, file, commit,
 * lines), the setting (`anytime`: one point per exit; `budgeted`: MSDNet's budgeted-batch sweep), the cost unit
 * and op-count convention, and points of (MMACs, top-1 %). Only numbers traceable to a published source go in
 * these files; the validator refuses a file without its source, unit or convention.
 */
import { packagePath } from '../package-root.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RanasError } from '../errors.ts';

/** Folder of the shipped reference curves. */
export const REFERENCE_CURVES_DIR = packagePath('models', 'reference-curves');

/** One published curve. */
export interface ReferenceCurve {
  /** File stem (what `--reference` names). */
  id: string;
  name: string;
  dataset: string;
  setting: 'anytime' | 'budgeted';
  source: { description: string; repository: string; file: string; commit: string; lines?: string; note?: string };
  unit: string;
  opCountConvention: string;
  accuracy: string;
  points: { mmacs: number; accuracy: number }[];
}

function fail(file: string, field: string, expected: string, found: unknown): never {
  throw new RanasError('E_REFERENCE_CURVE', `${file}: field ${field} is ${JSON.stringify(found)?.slice(0, 60)}; expected ${expected}`, { file, field });
}

const str = (o: Record<string, unknown>, k: string, file: string, prefix = ''): string => {
  const v = o[k];
  if (typeof v !== 'string' || v.trim() === '') fail(file, prefix + k, 'a non-empty string', v);
  return v;
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates one parsed file. */
export function parseReferenceCurve(json: unknown, file: string): ReferenceCurve {
  if (!isObj(json)) fail(file, '(root)', 'an object', json);
  const setting = json.setting;
  if (setting !== 'anytime' && setting !== 'budgeted') fail(file, 'setting', '"anytime" or "budgeted"', setting);
  const src = json.source;
  if (!isObj(src)) fail(file, 'source', 'an object naming repository, file and commit', src);
  const points = json.points;
  if (!Array.isArray(points) || points.length === 0) fail(file, 'points', 'a non-empty array of { mmacs, accuracy }', points);
  const parsed = points.map((p: unknown, i: number) => {
    if (!isObj(p) || typeof p.mmacs !== 'number' || !(p.mmacs > 0) || typeof p.accuracy !== 'number' || !(p.accuracy >= 0 && p.accuracy <= 100)) {
      fail(file, `points[${i}]`, '{ mmacs > 0, accuracy in [0, 100] }', p);
    }
    return { mmacs: p.mmacs, accuracy: p.accuracy };
  });
  return {
    id: basename(file, '.json'),
    name: str(json, 'name', file),
    dataset: str(json, 'dataset', file),
    setting,
    source: {
      description: str(src, 'description', file, 'source.'), repository: str(src, 'repository', file, 'source.'),
      file: str(src, 'file', file, 'source.'), commit: str(src, 'commit', file, 'source.'),
      ...(typeof src.lines === 'string' ? { lines: src.lines } : {}), ...(typeof src.note === 'string' ? { note: src.note } : {}),
    },
    unit: str(json, 'unit', file),
    opCountConvention: str(json, 'opCountConvention', file),
    accuracy: str(json, 'accuracy', file),
    points: parsed,
  };
}

/** Ids of the curves in `dir`. */
export function referenceCurveIds(dir = REFERENCE_CURVES_DIR): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json')).sort();
  } catch {
    return [];
  }
}

/** Loads the curves named by `ids` ('all' = every file of `dir`). */
export function loadReferenceCurves(ids: string[] | 'all', dir = REFERENCE_CURVES_DIR): ReferenceCurve[] {
  const known = referenceCurveIds(dir);
  const wanted = ids === 'all' ? known : ids;
  return wanted.map((id) => {
    if (!known.includes(id)) throw new RanasError('E_REFERENCE_CURVE', `no reference curve "${id}" in ${dir}; expected one of ${known.join(', ') || '(none)'}`, { id });
    const file = join(dir, `${id}.json`);
    return parseReferenceCurve(JSON.parse(readFileSync(file, 'utf8')), file);
  });
}
