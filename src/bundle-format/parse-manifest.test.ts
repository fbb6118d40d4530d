import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError, type ErrorCode } from '../errors.ts';
import { bundleFiles } from '../../converters/bundle/write-bundle.ts';
import { parseBundleManifest, parseProfile } from './parse-manifest.ts';
import { fakeBundleContents } from '../../device/testing/fake-bundle.ts';

/** A fresh, valid manifest as plain JSON (what JSON.parse gives). */
function manifestJson(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(bundleFiles(fakeBundleContents({ segments: 2 })).manifest));
}

/** Sets (or with `undefined`, deletes) the value at a dotted path such as `segments.1.exit.index`. */
function setPath(root: unknown, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  const last = keys.pop() ?? '';
  let at: unknown = root;
  for (const k of keys) at = typeof at === 'object' && at !== null ? Reflect.get(at, k) : undefined;
  if (typeof at !== 'object' || at === null) throw new Error(`no object at ${dotted}`);
  if (value === undefined) Reflect.deleteProperty(at, last);
  else Reflect.set(at, last, value);
}

function refused(edits: Record<string, unknown>, code: ErrorCode, field: string | RegExp): void {
  const m = manifestJson();
  for (const [k, v] of Object.entries(edits)) setPath(m, k, v);
  assert.throws(() => parseBundleManifest(m), (e) => isRanasError(e, code) && (typeof field === 'string' ? e.details.field === field : field.test(e.message)), `expected ${code} naming ${field}`);
}

test('a manifest written by the converters parses back to the same object', () => {
  const m = manifestJson();
  assert.deepEqual(parseBundleManifest(m), m);
});

test('format and version are refused clearly', () => {
  refused({ format: 'tflite-bundle' }, 'E_MANIFEST_FORMAT', 'format');
  refused({ version: 2 }, 'E_MANIFEST_VERSION', 'version');
  refused({ version: undefined }, 'E_MANIFEST_VERSION', 'version');
  assert.throws(() => parseBundleManifest([]), (e) => isRanasError(e, 'E_MANIFEST_FIELD') && e.details.field === 'manifest');
});

test('a bad field is named by its path', () => {
  refused({ 'model.classNames': undefined }, 'E_MANIFEST_FIELD', 'model.classNames');
  refused({ 'segments.1.outputs.0.dtype': 'float16' }, 'E_MANIFEST_FIELD', 'segments[1].outputs[0].dtype');
  refused({ 'segments.0.sha256': 'abc' }, 'E_MANIFEST_FIELD', 'segments[0].sha256');
  refused({ 'segments.1.exit.index': 0 }, 'E_MANIFEST_FIELD', 'segments[1].exit.index');
  refused({ 'segments.0.exit.logits': 'nowhere' }, 'E_MANIFEST_FIELD', 'segments[0].exit.logits');
  refused({ 'input.std': [1, 0, 1] }, 'E_MANIFEST_FIELD', 'input.std[1]');
  refused({ 'input.mean': [0.5] }, 'E_MANIFEST_FIELD', 'input.mean');
  refused({ runtime: 'tensorrt' }, 'E_MANIFEST_FIELD', /one of tflite, onnx/);
  refused({ 'segments.0.inputs.0.dtype': 'int8' }, 'E_MANIFEST_FIELD', 'segments[0].inputs[0].scale');
  refused({ profile: { device: 'pi', measuredAt: 'x', segments: [{ p50Us: 1, p99Us: 'slow', runs: 1 }] } }, 'E_MANIFEST_FIELD', 'profile.segments[0].p99Us');
});

test('a profile keeps its request overhead when present, and a bad overhead field is named', () => {
  const lat = (p50Us: number, p99Us: number) => ({ p50Us, p99Us, runs: 200 });
  const saved = { device: 'pi', measuredAt: 'x', segments: [lat(300, 350)], overhead: { input: lat(20, 30), answer: lat(5, 9) } };
  assert.deepEqual(parseProfile(JSON.parse(JSON.stringify(saved))), saved);
  const old = { device: 'pi', measuredAt: 'x', segments: [lat(300, 350)] };
  assert.equal(parseProfile(old).overhead, undefined, 'a profile from before the overhead was measured has none');
  assert.throws(() => parseProfile({ ...old, overhead: { input: lat(20, 30) } }, 'profile.json'), (e) => isRanasError(e, 'E_MANIFEST_FIELD') && e.details.field === 'profile.json.overhead.answer');
});

test('a manifest with no class names is refused (every answer carries its label)', () => {
  refused({ 'model.classNames': [] }, 'E_MANIFEST_FIELD', 'model.classNames');
});

/** A manifest whose segments carry an int8 variant each (fp32 bundle + int8 forms). */
function withVariants(): Record<string, unknown> {
  const c = fakeBundleContents({ segments: 2 });
  c.precisionChoice = { toleranceTop1: 0.005 };
  c.segments = c.segments.map((s) => ({ ...s, variants: [{ precision: 'int8', bytes: s.bytes.slice(1), inputs: s.inputs, outputs: s.outputs, accuracy: 0.5 }] }));
  return JSON.parse(JSON.stringify(bundleFiles(c).manifest));
}

test('segment variants (precision chosen on the device) parse back, and their files are listed for checking', async () => {
  const m = withVariants();
  const parsed = parseBundleManifest(m);
  assert.deepEqual(parsed, m);
  const { manifestFiles } = await import('./manifest.ts');
  assert.deepEqual(manifestFiles(parsed).map((f) => f.file), ['segment-0.tflite', 'segment-0.int8.tflite', 'segment-1.tflite', 'segment-1.int8.tflite']);
});

test('a variant that does not fit its segment is refused, naming the field', () => {
  const bad = (edit: (m: Record<string, unknown>) => void, field: RegExp) => {
    const m = withVariants();
    edit(m);
    assert.throws(() => parseBundleManifest(m), (e) => isRanasError(e, 'E_MANIFEST_FIELD') && field.test(String(e.details.field)), `expected a refusal naming ${field}`);
  };
  bad((m) => setPath(m, 'segments.0.variants.0.precision', 'fp32'), /segments\[0\]\.variants\[0\]\.precision/);
  bad((m) => setPath(m, 'segments.1.variants.0.outputs.0.name', 'other'), /segments\[1\]\.variants\[0\]\.outputs/);
  bad((m) => setPath(m, 'segments.0.variants.0.inputs.0.shape', [1, 2, 2, 3]), /segments\[0\]\.variants\[0\]\.inputs/);
  bad((m) => setPath(m, 'segments.0.variants.0.file', 'segment-1.int8.tflite'), /^segments$/);
  bad((m) => setPath(m, 'segments.0.variants.0.accuracy', 1.5), /accuracy/);
  bad((m) => setPath(m, 'precisionChoice.toleranceTop1', -1), /precisionChoice/);
});
