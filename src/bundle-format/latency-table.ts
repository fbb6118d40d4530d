/**
 * The latency table (`ranas device profile-ops` writes it, the predictor and the search read it): the
 * measured p50/p99 of every op instance a search space can produce for one supernet config, on one device,
 * runtime, precision and thread count. JSON on disk:
 *
 * ```
 * { "format": "ranas-latency-table", "version": 1, "device": "pi4", "runtime": "onnx", "precision": "int8",
 *   "threads": 1, "createdAt": "…", "updatedAt": "…", "warmups": 10, "runs": 100,
 *   "config": { "name": "tiny", "hash": "…", "opModels": 93 },
 *   "entries": [{ "key": "edge:sep_conv_3x3|16x16x16>16x16x16", "part": "edge", "p50Us": 41.2, "p99Us": 60.1, "runs": 100 }, …],
 *   "correction": { "segmentOverheadUs": [61.2, 40.3, 55.0], "segments": 12, "method": "mean-residual-per-segment" } }
 * ```
 *
 * `config.opModels` is how many op models the config has: a table with fewer entries is partial (a run was
 * interrupted; rerunning measures only the missing keys). The key names an op instance by its part of the
 * grid and its boundary shapes (host side: `src/latency/op-instances.ts`); `invoke` is the per-model
 * invocation entry (a model with one trivial op), from which the segment overhead is derived. Lives in the
 * bundle format because the device measures op models exactly as it measures a bundle's segments.
 */
import { RanasError } from '../errors.ts';
import type { BundlePrecision, BundleRuntime, BundleTensor } from './manifest.ts';

export const LATENCY_TABLE_FORMAT = 'ranas-latency-table';
export const LATENCY_TABLE_VERSION = 1;

/** Key of the invocation entry (one trivial op: what every model call costs beyond its ops). */
export const INVOKE_KEY = 'invoke';

/** One measured op instance. */
export interface LatencyEntry {
  key: string;
  /** The grid part the op instance belongs to (`GridPart` on the host), or `invoke`. */
  part: string;
  p50Us: number;
  p99Us: number;
  runs: number;
}

/** Which supernet config the table covers. */
export interface LatencyTableConfig {
  /** Preset or file name the config came from. */
  name: string;
  /** Hash of the config the op models were built from (a table for another config is refused). */
  hash: string;
  /** Op models of the config (entries of a complete table). */
  opModels: number;
}

/** How a correction was fitted (src/latency/fit-correction.ts). */
export const CORRECTION_METHODS = ['mean-residual-per-segment', 'ridge-segment-and-primitive'] as const;

/**
 * The learned part of the predictor, fitted on the calibration segments of the table (whole segments of random
 * networks, exported and profiled by the agent) against the plain sum: the overhead of segment k beyond one
 * call and its boundaries and, with `ridge-segment-and-primitive`, per edge primitive the share of its table
 * time it costs in addition inside a real segment (a ridge fit, its weight chosen by leave-one-network-out
 * cross-validation). `mean-residual-per-segment` (older tables) has the per-segment overheads only.
 */
export interface LatencyCorrection {
  /** Per segment index, µs. */
  segmentOverheadUs: number[];
  /** Per primitive name (sep_conv_3x3, ...): predicted own time = table time × (1 + scale). */
  primitiveScale?: Record<string, number>;
  /** The ridge weight chosen (per calibration segment). */
  ridgeLambda?: number;
  /** The share the per-primitive shares were shrunk toward (0: toward 0), chosen with the weight. */
  commonShare?: number;
  /** Calibration segments it was fitted on. */
  segments: number;
  method: (typeof CORRECTION_METHODS)[number];
}

/** A latency table. */
export interface LatencyTable {
  format: typeof LATENCY_TABLE_FORMAT;
  version: typeof LATENCY_TABLE_VERSION;
  device: string;
  runtime: BundleRuntime;
  precision: BundlePrecision;
  threads: number;
  createdAt: string;
  updatedAt: string;
  warmups: number;
  runs: number;
  config: LatencyTableConfig;
  entries: LatencyEntry[];
  /** Set once every calibration segment is measured. */
  correction?: LatencyCorrection;
}

/** One op model to measure: a small standalone model file and its boundary tensors (as a bundle segment). */
export interface OpModel {
  key: string;
  part: string;
  bytes: Uint8Array;
  inputs: BundleTensor[];
  outputs: BundleTensor[];
}

/** True when every op model of the config has an entry. */
export function isCompleteTable(t: LatencyTable): boolean {
  return t.entries.length >= t.config.opModels;
}

type Obj = Record<string, unknown>;

function fail(source: string, field: string, expected: string, found: unknown): RanasError {
  const shown = found === undefined ? 'nothing' : (JSON.stringify(found) ?? String(found)).slice(0, 60);
  return new RanasError('E_LATENCY_TABLE', `${source}: field '${field}' is ${shown}; expected ${expected}`, { file: source, field });
}

function objectAt(v: unknown, source: string, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(source, field, 'an object', v);
  return Object.fromEntries(Object.entries(v));
}

function stringAt(o: Obj, key: string, source: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw fail(source, `${field}${key}`, 'a non-empty string', v);
  return v;
}

function numberAt(o: Obj, key: string, source: string, field: string, check: (n: number) => boolean, expected: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw fail(source, `${field}${key}`, expected, v);
  return v;
}

const nonNegative = (n: number) => n >= 0;
const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
const RUNTIMES: readonly BundleRuntime[] = ['tflite', 'onnx'];
const PRECISIONS: readonly BundlePrecision[] = ['fp32', 'int8'];

function oneOf<T extends string>(o: Obj, key: string, source: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === o[key]);
  if (found === undefined) throw fail(source, key, `one of ${allowed.join(', ')}`, o[key]);
  return found;
}

function entry(v: unknown, i: number, source: string): LatencyEntry {
  const field = `entries[${i}].`;
  const o = objectAt(v, source, `entries[${i}]`);
  const e: LatencyEntry = {
    key: stringAt(o, 'key', source, field),
    part: stringAt(o, 'part', source, field),
    p50Us: numberAt(o, 'p50Us', source, field, nonNegative, 'a non-negative number of µs'),
    p99Us: numberAt(o, 'p99Us', source, field, nonNegative, 'a non-negative number of µs'),
    runs: numberAt(o, 'runs', source, field, positiveInt, 'a positive integer'),
  };
  if (e.p99Us < e.p50Us) throw fail(source, `${field}p99Us`, `≥ p50Us (${e.p50Us})`, e.p99Us);
  return e;
}

/** Validates decoded JSON as a latency table; errors (E_LATENCY_TABLE) name the file and the field. */
export function parseLatencyTable(json: unknown, source = 'latency table'): LatencyTable {
  const o = objectAt(json, source, '(root)');
  if (o.format !== LATENCY_TABLE_FORMAT) throw fail(source, 'format', `'${LATENCY_TABLE_FORMAT}'`, o.format);
  if (o.version !== LATENCY_TABLE_VERSION) throw fail(source, 'version', String(LATENCY_TABLE_VERSION), o.version);
  const c = objectAt(o.config, source, 'config');
  const entriesRaw = o.entries;
  if (!Array.isArray(entriesRaw)) throw fail(source, 'entries', 'an array', entriesRaw);
  const entries = entriesRaw.map((e, i) => entry(e, i, source));
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (seen.has(e.key)) throw fail(source, `entries[${i}].key`, 'a key not listed before', e.key);
    seen.add(e.key);
  });
  return {
    format: LATENCY_TABLE_FORMAT,
    version: LATENCY_TABLE_VERSION,
    device: stringAt(o, 'device', source, ''),
    runtime: oneOf(o, 'runtime', source, RUNTIMES),
    precision: oneOf(o, 'precision', source, PRECISIONS),
    threads: numberAt(o, 'threads', source, '', positiveInt, 'a positive integer'),
    createdAt: stringAt(o, 'createdAt', source, ''),
    updatedAt: stringAt(o, 'updatedAt', source, ''),
    warmups: numberAt(o, 'warmups', source, '', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    runs: numberAt(o, 'runs', source, '', positiveInt, 'a positive integer'),
    config: {
      name: stringAt(c, 'name', source, 'config.'),
      hash: stringAt(c, 'hash', source, 'config.'),
      opModels: numberAt(c, 'opModels', source, 'config.', positiveInt, 'a positive integer'),
    },
    entries,
    ...(o.correction === undefined ? {} : { correction: correction(o.correction, source) }),
  };
}

function correction(v: unknown, source: string): LatencyCorrection {
  const c = objectAt(v, source, 'correction');
  const method = CORRECTION_METHODS.find((m) => m === c.method);
  if (method === undefined) throw fail(source, 'correction.method', CORRECTION_METHODS.map((m) => `'${m}'`).join(' or '), c.method);
  const raw = c.segmentOverheadUs;
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw fail(source, 'correction.segmentOverheadUs', 'a non-empty list of µs, one per segment', raw);
  const base = {
    segmentOverheadUs: raw.filter((x): x is number => typeof x === 'number'),
    segments: numberAt(c, 'segments', source, 'correction.', positiveInt, 'a positive integer'),
  };
  if (method === 'mean-residual-per-segment') return { ...base, method };
  const scale = objectAt(c.primitiveScale, source, 'correction.primitiveScale');
  const primitiveScale: Record<string, number> = {};
  for (const [name, x] of Object.entries(scale)) {
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= -1) throw fail(source, `correction.primitiveScale.${name}`, 'a number > -1', x);
    primitiveScale[name] = x;
  }
  const common = c.commonShare === undefined ? {} : { commonShare: numberAt(c, 'commonShare', source, 'correction.', (n) => n > -1, 'a number > -1') };
  return { ...base, primitiveScale, ridgeLambda: numberAt(c, 'ridgeLambda', source, 'correction.', (n) => n >= 0, 'a number ≥ 0'), ...common, method };
}
