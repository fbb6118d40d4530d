/**
 * Parses `unknown` (a decoded manifest.json) into a `BundleManifest`, refusing anything else with a
 * RanasError that names the field: `E_MANIFEST_FORMAT` (not a ranas bundle), `E_MANIFEST_VERSION`
 * (a version this agent does not read) and `E_MANIFEST_FIELD` (a missing or mistyped field; details.field
 * is its path, e.g. `segments[1].outputs[0].shape`).
 */
import { RanasError } from '../errors.ts';
import {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type BundleExit,
  type BundleInput,
  type BundleManifest,
  type BundlePrecision,
  type BundleRuntime,
  type BundleSegment,
  type BundleTensor,
  type BundlePart,
  type BundleProfile,
  type BundleSegmentSplit,
  type SegmentLatency,
  type SegmentVariant,
  manifestFiles,
} from './manifest.ts';
import { TENSOR_DTYPES } from './dtype.ts';

type Obj = Record<string, unknown>;

const RUNTIMES: readonly BundleRuntime[] = ['tflite', 'onnx'];
const PRECISIONS: readonly BundlePrecision[] = ['fp32', 'int8'];
const LAYOUTS: readonly BundleInput['layout'][] = ['NHWC', 'NCHW'];

function fieldError(field: string, expected: string, found: unknown): RanasError {
  const shown = found === undefined ? 'nothing' : JSON.stringify(found)?.slice(0, 60) ?? String(found);
  return new RanasError('E_MANIFEST_FIELD', `manifest field '${field}' is ${shown}; expected ${expected}`, { field });
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fieldError(field, 'an object', v);
  // A non-null, non-array object: its own keys are readable as a record.
  return Object.fromEntries(Object.entries(v));
}

function str(o: Obj, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw fieldError(`${field}${key}`, 'a string', v);
  return v;
}

function num(o: Obj, key: string, field: string, check: (n: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  const v = o[key];
  if (typeof v !== 'number' || !check(v)) throw fieldError(`${field}${key}`, expected, v);
  return v;
}

function optNum(o: Obj, key: string, field: string): number | undefined {
  return o[key] === undefined ? undefined : num(o, key, field);
}

function oneOf<T extends string>(o: Obj, key: string, field: string, allowed: readonly T[]): T {
  const v = o[key];
  const found = allowed.find((a) => a === v);
  if (found === undefined) throw fieldError(`${field}${key}`, `one of ${allowed.join(', ')}`, v);
  return found;
}

function arr(o: Obj, key: string, field: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw fieldError(`${field}${key}`, 'an array', v);
  return v;
}

function numbers(o: Obj, key: string, field: string, check: (n: number) => boolean = Number.isFinite): number[] {
  return arr(o, key, field).map((v, i) => {
    if (typeof v !== 'number' || !check(v)) throw fieldError(`${field}${key}[${i}]`, 'a number', v);
    return v;
  });
}

const isDim = (n: number) => Number.isInteger(n) && n > 0;

/** A tensor description (name, shape, dtype, int8 scale and zero point) at `field`; E_MANIFEST_FIELD names what is wrong. */
export function parseBundleTensor(v: unknown, field: string): BundleTensor {
  const o = obj(v, field);
  const p = `${field}.`;
  const t: BundleTensor = { name: str(o, 'name', p), shape: numbers(o, 'shape', p, isDim), dtype: oneOf(o, 'dtype', p, TENSOR_DTYPES) };
  const scale = optNum(o, 'scale', p);
  const zeroPoint = optNum(o, 'zeroPoint', p);
  if (scale !== undefined) t.scale = scale;
  if (zeroPoint !== undefined) t.zeroPoint = zeroPoint;
  if (t.dtype === 'int8' && (scale === undefined || zeroPoint === undefined)) throw fieldError(`${p}scale`, 'a scale and zeroPoint on an int8 tensor', scale);
  return t;
}

function exit(v: unknown, field: string): BundleExit {
  const o = obj(v, field);
  const p = `${field}.`;
  const e: BundleExit = {
    index: num(o, 'index', p, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    cumulativeMacs: num(o, 'cumulativeMacs', p),
    confidenceThreshold: num(o, 'confidenceThreshold', p, (n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
    logits: str(o, 'logits', p),
  };
  const accuracy = optNum(o, 'accuracy', p);
  if (accuracy !== undefined) e.accuracy = accuracy;
  return e;
}

const isSha = (s: string) => /^[0-9a-f]{64}$/.test(s);

function segment(v: unknown, k: number): BundleSegment {
  const field = `segments[${k}]`;
  const o = obj(v, field);
  const p = `${field}.`;
  const sha256 = str(o, 'sha256', p);
  if (!isSha(sha256)) throw fieldError(`${p}sha256`, '64 lowercase hex digits', sha256);
  const s: BundleSegment = {
    file: str(o, 'file', p),
    sha256,
    sizeBytes: num(o, 'sizeBytes', p, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    inputs: arr(o, 'inputs', p).map((t, i) => parseBundleTensor(t, `${p}inputs[${i}]`)),
    outputs: arr(o, 'outputs', p).map((t, i) => parseBundleTensor(t, `${p}outputs[${i}]`)),
    exit: exit(o.exit, `${p}exit`),
  };
  if (s.exit.index !== k) throw fieldError(`${p}exit.index`, `${k} (segment k ends in exit k)`, s.exit.index);
  if (!s.outputs.some((t) => t.name === s.exit.logits)) throw fieldError(`${p}exit.logits`, `the name of one of the segment's outputs (${s.outputs.map((t) => t.name).join(', ')})`, s.exit.logits);
  if (o.variants !== undefined) s.variants = arr(o, 'variants', p).map((v, i) => variant(v, s, `${p}variants[${i}]`));
  return s;
}

/** Tensor names and shapes in the order given (a variant must match its segment's). */
const signature = (ts: BundleTensor[]) => ts.map((t) => `${t.name}:${t.shape.join('x')}`).join(',');

function variant(v: unknown, seg: BundleSegment, field: string): SegmentVariant {
  const o = obj(v, field);
  const p = `${field}.`;
  const sha256 = str(o, 'sha256', p);
  if (!isSha(sha256)) throw fieldError(`${p}sha256`, '64 lowercase hex digits', sha256);
  const x: SegmentVariant = {
    precision: oneOf(o, 'precision', p, PRECISIONS),
    file: str(o, 'file', p),
    sha256,
    sizeBytes: num(o, 'sizeBytes', p, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    inputs: arr(o, 'inputs', p).map((t, i) => parseBundleTensor(t, `${p}inputs[${i}]`)),
    outputs: arr(o, 'outputs', p).map((t, i) => parseBundleTensor(t, `${p}outputs[${i}]`)),
  };
  const accuracy = optNum(o, 'accuracy', p);
  if (accuracy !== undefined) {
    if (!(accuracy >= 0 && accuracy <= 1)) throw fieldError(`${p}accuracy`, 'a top-1 between 0 and 1', accuracy);
    x.accuracy = accuracy;
  }
  if (x.file === seg.file) throw fieldError(`${p}file`, `a file other than the segment's own (${seg.file})`, x.file);
  if (signature(x.inputs) !== signature(seg.inputs)) throw fieldError(`${p}inputs`, `the segment's inputs (${signature(seg.inputs)})`, signature(x.inputs));
  if (signature(x.outputs) !== signature(seg.outputs)) throw fieldError(`${p}outputs`, `the segment's outputs (${signature(seg.outputs)})`, signature(x.outputs));
  return x;
}

function part(v: unknown, field: string): BundlePart {
  const o = obj(v, field);
  const p = `${field}.`;
  const sha256 = str(o, 'sha256', p);
  if (!isSha(sha256)) throw fieldError(`${p}sha256`, '64 lowercase hex digits', sha256);
  return {
    file: str(o, 'file', p),
    sha256,
    sizeBytes: num(o, 'sizeBytes', p, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    inputs: arr(o, 'inputs', p).map((t, i) => parseBundleTensor(t, `${p}inputs[${i}]`)),
    outputs: arr(o, 'outputs', p).map((t, i) => parseBundleTensor(t, `${p}outputs[${i}]`)),
  };
}

/** `split[k]`: segment k's trunk and head; the head's single output is segment k's exit logits. */
function segmentSplit(v: unknown, k: number, segments: readonly BundleSegment[]): BundleSegmentSplit {
  const field = `split[${k}]`;
  const o = obj(v, field);
  const s: BundleSegmentSplit = { trunk: part(o.trunk, `${field}.trunk`), head: part(o.head, `${field}.head`) };
  const logits = segments[k]?.exit.logits;
  if (s.head.outputs.length !== 1 || s.head.outputs[0].name !== logits) {
    throw fieldError(`${field}.head.outputs`, `exactly segment ${k}'s exit logits (${logits ?? 'no such segment'})`, s.head.outputs.map((t) => t.name));
  }
  return s;
}

function input(v: unknown): BundleInput {
  const o = obj(v, 'input');
  const p = 'input.';
  const i: BundleInput = {
    shape: numbers(o, 'shape', p, isDim),
    layout: oneOf(o, 'layout', p, LAYOUTS),
    dtype: oneOf(o, 'dtype', p, TENSOR_DTYPES),
    mean: numbers(o, 'mean', p),
    std: numbers(o, 'std', p, (n) => n > 0),
  };
  if (i.shape.length !== 4) throw fieldError(`${p}shape`, 'a 4-d batch-1 image shape', i.shape);
  const channels = i.layout === 'NHWC' ? i.shape[3] : i.shape[1];
  if (i.mean.length !== channels || i.std.length !== channels) throw fieldError(`${p}mean`, `${channels} per-channel values in mean and std`, i.mean);
  const scale = optNum(o, 'scale', p);
  const zeroPoint = optNum(o, 'zeroPoint', p);
  if (scale !== undefined) i.scale = scale;
  if (zeroPoint !== undefined) i.zeroPoint = zeroPoint;
  if (i.dtype === 'int8' && (scale === undefined || zeroPoint === undefined)) throw fieldError(`${p}scale`, 'a scale and zeroPoint on an int8 input', scale);
  return i;
}

function latency(v: unknown, field: string): SegmentLatency {
  const o = obj(v, field);
  const p = `${field}.`;
  const l: SegmentLatency = { p50Us: num(o, 'p50Us', p), p99Us: num(o, 'p99Us', p), runs: num(o, 'runs', p) };
  if (o.threads !== undefined) l.threads = num(o, 'threads', p, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
  if (o.precision !== undefined) l.precision = oneOf(o, 'precision', p, PRECISIONS);
  return l;
}

/** Parses a bundle profile (`profile` field of the manifest, or `profile.json`), with its request overhead when present. */
export function parseProfile(v: unknown, field = 'profile'): BundleProfile {
  const o = obj(v, field);
  const p = `${field}.`;
  const profile: BundleProfile = { device: str(o, 'device', p), measuredAt: str(o, 'measuredAt', p), segments: arr(o, 'segments', p).map((s, i) => latency(s, `${p}segments[${i}]`)) };
  if (o.overhead !== undefined) {
    const over = obj(o.overhead, `${p}overhead`);
    profile.overhead = { input: latency(over.input, `${p}overhead.input`), answer: latency(over.answer, `${p}overhead.answer`) };
  }
  if (o.parts !== undefined) {
    const parts = obj(o.parts, `${p}parts`);
    profile.parts = {
      trunks: arr(parts, 'trunks', `${p}parts.`).map((s, i) => latency(s, `${p}parts.trunks[${i}]`)),
      heads: arr(parts, 'heads', `${p}parts.`).map((s, i) => latency(s, `${p}parts.heads[${i}]`)),
      steps: arr(parts, 'steps', `${p}parts.`).map((s, i) => latency(s, `${p}parts.steps[${i}]`)),
    };
  }
  return profile;
}

/** Parses a decoded manifest.json; throws E_MANIFEST_FORMAT / E_MANIFEST_VERSION / E_MANIFEST_FIELD. */
export function parseBundleManifest(json: unknown): BundleManifest {
  const o = obj(json, 'manifest');
  if (o.format !== MANIFEST_FORMAT) {
    throw new RanasError('E_MANIFEST_FORMAT', `manifest format is ${JSON.stringify(o.format) ?? 'missing'}; expected '${MANIFEST_FORMAT}'`, { field: 'format' });
  }
  if (o.version !== MANIFEST_VERSION) {
    throw new RanasError('E_MANIFEST_VERSION', `manifest version is ${JSON.stringify(o.version) ?? 'missing'}; this agent reads version ${MANIFEST_VERSION}`, { field: 'version', found: o.version, expected: MANIFEST_VERSION });
  }
  const model = obj(o.model, 'model');
  const classNames = arr(model, 'classNames', 'model.').map((c, i) => {
    if (typeof c !== 'string') throw fieldError(`model.classNames[${i}]`, 'a string', c);
    return c;
  });
  if (classNames.length === 0) throw fieldError('model.classNames', 'at least one class name (every answer carries its label)', []);
  const segments = arr(o, 'segments', '').map(segment);
  if (segments.length === 0) throw fieldError('segments', 'at least one segment', []);
  const producer = obj(o.producer, 'producer');
  if (producer.name !== 'ranas') throw fieldError('producer.name', "'ranas'", producer.name);
  const m: BundleManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    model: { name: str(model, 'name', 'model.'), genotypeHash: str(model, 'genotypeHash', 'model.'), dataset: str(model, 'dataset', 'model.'), classNames },
    runtime: oneOf(o, 'runtime', '', RUNTIMES),
    precision: oneOf(o, 'precision', '', PRECISIONS),
    input: input(o.input),
    segments,
    createdAt: str(o, 'createdAt', ''),
    producer: { name: 'ranas', version: str(producer, 'version', 'producer.'), gitCommit: str(producer, 'gitCommit', 'producer.') },
  };
  if (o.monolithic !== undefined) {
    const mono = obj(o.monolithic, 'monolithic');
    const sha256 = str(mono, 'sha256', 'monolithic.');
    if (!isSha(sha256)) throw fieldError('monolithic.sha256', '64 lowercase hex digits', sha256);
    m.monolithic = {
      file: str(mono, 'file', 'monolithic.'),
      sha256,
      sizeBytes: num(mono, 'sizeBytes', 'monolithic.', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
      outputs: arr(mono, 'outputs', 'monolithic.').map((t, i) => parseBundleTensor(t, `monolithic.outputs[${i}]`)),
    };
  }
  if (o.split !== undefined) {
    const split = arr(o, 'split', '').map((v, k) => segmentSplit(v, k, segments));
    if (split.length !== segments.length) throw fieldError('split', `one trunk/head pair per segment (${segments.length})`, split.length);
    m.split = split;
  }
  for (const [k, seg] of segments.entries()) {
    for (const [i, v] of (seg.variants ?? []).entries()) {
      if (v.precision === m.precision || seg.variants?.findIndex((w) => w.precision === v.precision) !== i) {
        throw fieldError(`segments[${k}].variants[${i}].precision`, `a precision other than the manifest's (${m.precision}) and the segment's other variants'`, v.precision);
      }
    }
  }
  if (o.precisionChoice !== undefined) {
    const pc = obj(o.precisionChoice, 'precisionChoice');
    m.precisionChoice = { toleranceTop1: num(pc, 'toleranceTop1', 'precisionChoice.', (n) => n >= 0 && n <= 1, 'a top-1 tolerance between 0 and 1') };
  }
  const names = manifestFiles(m).map((f) => f.file);
  const twice = names.find((f, i) => names.indexOf(f) !== i);
  if (twice !== undefined) throw fieldError('segments', 'a different file for every segment, variant and part', twice);
  if (o.profile !== undefined) m.profile = parseProfile(o.profile);
  return m;
}

/** Parses manifest.json bytes (E_MANIFEST_JSON when not JSON, then the parser's errors); `where` names the bundle. */
export function parseManifestBytes(bytes: Uint8Array, where: string): BundleManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new RanasError('E_MANIFEST_JSON', `${where}: manifest.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseBundleManifest(json);
}
