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
