/**
 * The op pack: what `ranas device profile-ops` sends over the bridge for the device to measure (issue 18).
 * One flat tar (the bundles' tar rules: regular files, plain names) holding `op-pack.json` and one file per
 * item. Items are measured in order and named by index on the wire (`ProfileOps.done` is a bitmap over them):
 *  - `op`: a small standalone int8 model of one op instance (`src/latency/op-models.ts`), its tensors given
 *    as a bundle segment's are; the entry is its p50/p99 on the device's runtime;
 *  - `bundle`: a whole int8 bundle, as a tar inside the pack (a calibration network), profiled by a scratch
 *    agent on the device (never the active bundle); one entry per segment, keys given in order.
 * The pack is signed and authenticated like a bundle (flash kind OP_PACK: its own signature domain, no
 * version floor) and kept by the agent beside its store, never activated.
 */
import { RanasError } from '../errors.ts';
import type { BundleRuntime, BundleTensor } from './manifest.ts';
import { parseBundleTensor } from './parse-manifest.ts';

export const OP_PACK_FORMAT = 'ranas-op-pack';
export const OP_PACK_VERSION = 1;
/** The pack's manifest file inside its tar. */
export const OP_PACK_MANIFEST = 'op-pack.json';

/** One op model: measured as one entry. */
export interface OpPackOpItem {
  kind: 'op';
  key: string;
  part: string;
  file: string;
  sha256: string;
  inputs: BundleTensor[];
  outputs: BundleTensor[];
}

/** One whole bundle (a tar in the pack): profiled by a scratch agent, one entry per segment. */
export interface OpPackBundleItem {
  kind: 'bundle';
  /** Entry key of each segment, in order. */
  keys: string[];
  part: string;
  file: string;
  sha256: string;
}

export type OpPackItem = OpPackOpItem | OpPackBundleItem;

export interface OpPackManifest {
  format: typeof OP_PACK_FORMAT;
  version: typeof OP_PACK_VERSION;
  /** What the pack measures, e.g. `latency-tiny-onnx` (the flash's name). */
  name: string;
  runtime: BundleRuntime;
  /** Warm-up and timed runs per op model and round; the agent profiler's runs per bundle segment. */
  warmups: number;
  runs: number;
  bundleRuns: number;
  items: OpPackItem[];
}

/** Largest item count (the done bitmap travels in one small frame). */
export const MAX_OP_PACK_ITEMS = 8192;

const SHA256_HEX = /^[0-9a-f]{64}$/;
const FILE_NAME = /^[A-Za-z0-9._-]+$/;

function bad(field: string, expected: string, found: unknown): RanasError {
  const shown = found === undefined ? 'nothing' : (JSON.stringify(found) ?? String(found)).slice(0, 60);
  return new RanasError('E_OP_PACK', `${OP_PACK_MANIFEST}: '${field}' is ${shown}; expected ${expected}`, { field });
}

function record(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(field, 'an object', v);
  return Object.fromEntries(Object.entries(v));
}

function text(o: Record<string, unknown>, key: string, field: string, re?: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > 512 || (re && !re.test(v))) throw bad(`${field}${key}`, re ? `a string matching ${re}` : 'a non-empty string', v);
  return v;
}

function count(o: Record<string, unknown>, key: string, field: string, min: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 1_000_000) throw bad(`${field}${key}`, `an integer ≥ ${min}`, v);
  return v;
}

function tensors(o: Record<string, unknown>, key: string, field: string): BundleTensor[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0) throw bad(`${field}${key}`, 'a non-empty array of tensors', v);
  return v.map((t, i) => parseBundleTensor(t, `${field}${key}[${i}]`));
}

function item(v: unknown, i: number): OpPackItem {
  const f = `items[${i}].`;
  const o = record(v, `items[${i}]`);
  const common = { part: text(o, 'part', f), file: text(o, 'file', f, FILE_NAME), sha256: text(o, 'sha256', f, SHA256_HEX) };
  if (common.file === OP_PACK_MANIFEST) throw bad(`${f}file`, `a file other than ${OP_PACK_MANIFEST}`, common.file);
  if (o.kind === 'op') return { kind: 'op', key: text(o, 'key', f), ...common, inputs: tensors(o, 'inputs', f), outputs: tensors(o, 'outputs', f) };
  if (o.kind === 'bundle') {
    const keys = o.keys;
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && k.length > 0)) throw bad(`${f}keys`, 'a non-empty array of entry keys', keys);
    return { kind: 'bundle', keys: keys.map(String), ...common };
  }
  throw bad(`${f}kind`, "'op' or 'bundle'", o.kind);
}

/** Parses a decoded op-pack.json; every item's file must be listed once and every key must be unique. */
export function parseOpPackManifest(v: unknown): OpPackManifest {
  const o = record(v, '(top level)');
  if (o.format !== OP_PACK_FORMAT) throw bad('format', `'${OP_PACK_FORMAT}'`, o.format);
  if (o.version !== OP_PACK_VERSION) throw bad('version', String(OP_PACK_VERSION), o.version);
  const runtime = o.runtime;
  if (runtime !== 'onnx' && runtime !== 'tflite') throw bad('runtime', "'onnx' or 'tflite'", runtime);
  const items = o.items;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_OP_PACK_ITEMS) throw bad('items', `1..${MAX_OP_PACK_ITEMS} items`, Array.isArray(items) ? `${items.length} items` : items);
  const parsed = items.map(item);
  const files = new Set<string>();
  const keys = new Set<string>();
  parsed.forEach((it, i) => {
    if (files.has(it.file)) throw bad(`items[${i}].file`, 'a file no other item names', it.file);
    files.add(it.file);
    for (const k of it.kind === 'op' ? [it.key] : it.keys) {
      if (keys.has(k)) throw bad(`items[${i}].key`, 'a key no other entry has', k);
      keys.add(k);
    }
  });
  return {
    format: OP_PACK_FORMAT, version: OP_PACK_VERSION, name: text(o, 'name', '', FILE_NAME), runtime,
    warmups: count(o, 'warmups', '', 0), runs: count(o, 'runs', '', 1), bundleRuns: count(o, 'bundleRuns', '', 1), items: parsed,
  };
}

/** The entry keys of an item, in order. */
export function itemKeys(it: OpPackItem): string[] {
  return it.kind === 'op' ? [it.key] : it.keys;
}

/** The done bitmap of a pack for the keys already measured: bit i (byte i >> 3, bit i & 7) = every key of item i is measured. */
export function doneBitmap(items: readonly OpPackItem[], measured: ReadonlySet<string>): Buffer {
  const bits = Buffer.alloc(Math.ceil(items.length / 8));
  items.forEach((it, i) => { if (itemKeys(it).every((k) => measured.has(k))) bits[i >> 3] |= 1 << (i & 7); });
  return bits;
}

/** True when bit i of a done bitmap is set (bits past its end are not). */
export function isDone(bits: Uint8Array, i: number): boolean {
  return (i >> 3) < bits.length && (bits[i >> 3] & (1 << (i & 7))) !== 0;
}
