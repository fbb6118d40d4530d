/**
 * Bundle writer: a folder with `manifest.json`, one model file per exit segment and optionally the
 * monolithic multi-exit model (see ../shared/DESIGN.md "Bundle"). Files are named
 * `segment-<k>.<ext>` and `model.<ext>` (ext = `tflite` | `onnx`), split segments (`--split-heads`)
 * `trunk-<k>.<ext>` and `head-<k>.<ext>`; the manifest records each file's
 * sha256 and size. Writing is atomic: everything goes to a temp folder beside the target, which then
 * replaces the target in one rename (an existing bundle is moved aside first and removed after).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RanasError } from '../../src/errors.ts';
import {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type BundleExit,
  type BundleManifest,
  type BundlePrecision,
  type BundleRuntime,
  type BundleTensor,
} from '../../src/bundle-format/manifest.ts';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';

/** Model file extension of each runtime. */
export const MODEL_EXTENSION: Record<BundleRuntime, string> = { tflite: 'tflite', onnx: 'onnx' };

/** One segment to write: its model bytes and what the manifest says about it. */
export interface SegmentFile {
  bytes: Uint8Array;
  inputs: BundleTensor[];
  outputs: BundleTensor[];
  exit: BundleExit;
  /** The same segment in other precisions (written as `segment-<k>.<precision>.<ext>`). */
  variants?: { precision: BundlePrecision; bytes: Uint8Array; inputs: BundleTensor[]; outputs: BundleTensor[]; accuracy?: number }[];
}

/** One trunk or head file of a split segment. */
export interface PartFile {
  bytes: Uint8Array;
  inputs: BundleTensor[];
  outputs: BundleTensor[];
}

/** Everything a bundle holds; the writer adds file names, sha256s, sizes and the format header. */
export interface BundleContents {
  model: BundleManifest['model'];
  runtime: BundleManifest['runtime'];
  precision: BundleManifest['precision'];
  input: BundleManifest['input'];
  producer: BundleManifest['producer'];
  segments: SegmentFile[];
  /** Stated when segments carry variants: the accuracy a variant must keep (see segment-variants.ts). */
  precisionChoice?: BundleManifest['precisionChoice'];
  monolithic?: { bytes: Uint8Array; outputs: BundleTensor[] };
  /** Every segment as trunk + head (one pair per segment), when exported with `--split-heads`. */
  split?: { trunk: PartFile; head: PartFile }[];
  /** ISO time; default now. */
  createdAt?: string;
}

/** Builds the manifest and the file list of a bundle without touching the disk. */
export function bundleFiles(contents: BundleContents): { manifest: BundleManifest; files: Map<string, Uint8Array> } {
  if (contents.segments.length === 0) throw new RanasError('E_BUNDLE_EMPTY', 'a bundle needs at least one segment, found none');
  const ext = MODEL_EXTENSION[contents.runtime];
  const files = new Map<string, Uint8Array>();
  const segments = contents.segments.map((s, k) => {
    if (s.exit.index !== k) {
      throw new RanasError('E_BUNDLE_EXIT', `segment ${k} ends in exit ${s.exit.index}; expected segment k to end in exit k`, { segment: k });
    }
    const file = `segment-${k}.${ext}`;
    files.set(file, s.bytes);
    const variants = s.variants?.map((v) => {
      const vfile = `segment-${k}.${v.precision}.${ext}`;
      files.set(vfile, v.bytes);
      return { precision: v.precision, file: vfile, sha256: sha256Hex(v.bytes), sizeBytes: v.bytes.length, inputs: v.inputs, outputs: v.outputs, ...(v.accuracy === undefined ? {} : { accuracy: v.accuracy }) };
    });
    return { file, sha256: sha256Hex(s.bytes), sizeBytes: s.bytes.length, inputs: s.inputs, outputs: s.outputs, exit: s.exit, ...(variants ? { variants } : {}) };
  });
  const manifest: BundleManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    model: contents.model,
    runtime: contents.runtime,
    precision: contents.precision,
    input: contents.input,
    segments,
    ...(contents.precisionChoice ? { precisionChoice: contents.precisionChoice } : {}),
    createdAt: contents.createdAt ?? new Date().toISOString(),
    producer: contents.producer,
  };
  if (contents.split) {
    if (contents.split.length !== segments.length) {
      throw new RanasError('E_BUNDLE_EXIT', `${contents.split.length} trunk/head pairs for ${segments.length} segments; expected one pair per segment`);
    }
    const partEntry = (p: PartFile, file: string) => {
      files.set(file, p.bytes);
      return { file, sha256: sha256Hex(p.bytes), sizeBytes: p.bytes.length, inputs: p.inputs, outputs: p.outputs };
    };
    manifest.split = contents.split.map((s, k) => ({ trunk: partEntry(s.trunk, `trunk-${k}.${ext}`), head: partEntry(s.head, `head-${k}.${ext}`) }));
  }
  if (contents.monolithic) {
    const file = `model.${ext}`;
    files.set(file, contents.monolithic.bytes);
    manifest.monolithic = { file, sha256: sha256Hex(contents.monolithic.bytes), sizeBytes: contents.monolithic.bytes.length, outputs: contents.monolithic.outputs };
  }
  return { manifest, files };
}

/** Writes the bundle folder `dir` atomically and returns its manifest. */
export function writeBundle(dir: string, contents: BundleContents): BundleManifest {
  const target = resolve(dir);
  const { manifest, files } = bundleFiles(contents);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    for (const [file, bytes] of files) writeFileSync(join(tmp, file), bytes);
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = join(dirname(target), `.${basename(target)}.old-${process.pid}`);
  const hadOld = existsSync(target);
  if (hadOld) renameSync(target, old);
  renameSync(tmp, target);
  if (hadOld) rmSync(old, { recursive: true, force: true });
  return manifest;
}
