/**
 * Reads a bundle folder back and checks it (format, version, every file present with the recorded sha256
 * and size). For the converter's tests and the export's self-check; the device agent has its own parser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from '../../src/errors.ts';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type BundleManifest } from '../../src/bundle-format/manifest.ts';
import { sha256Hex } from './write-bundle.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isManifest(v: unknown): v is BundleManifest {
  return isRecord(v) && v.format === MANIFEST_FORMAT && typeof v.version === 'number' && Array.isArray(v.segments)
    && isRecord(v.model) && isRecord(v.input) && (v.runtime === 'tflite' || v.runtime === 'onnx')
    && (v.precision === 'fp32' || v.precision === 'int8')
    && v.segments.every((s) => isRecord(s) && typeof s.file === 'string' && typeof s.sha256 === 'string' && typeof s.sizeBytes === 'number'
      && Array.isArray(s.inputs) && Array.isArray(s.outputs) && isRecord(s.exit));
}

/** Loads `<dir>/manifest.json`, verifies every file, and returns the manifest with the file bytes. */
export function readBundle(dir: string): { manifest: BundleManifest; files: Map<string, Uint8Array> } {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new RanasError('E_BUNDLE_MISSING', `no manifest.json in ${dir}`, { file: path });
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isManifest(json)) throw new RanasError('E_BUNDLE_MANIFEST', `${path} is not a ${MANIFEST_FORMAT} manifest (missing or mistyped fields)`, { file: path });
  if (json.version !== MANIFEST_VERSION) {
    throw new RanasError('E_BUNDLE_VERSION', `${path} has version ${json.version}; this code reads version ${MANIFEST_VERSION}`, { file: path });
  }
  const entries = [...json.segments, ...(json.monolithic ? [json.monolithic] : [])];
  const files = new Map<string, Uint8Array>();
  for (const e of entries) {
    const file = join(dir, e.file);
    if (!existsSync(file)) throw new RanasError('E_BUNDLE_MISSING', `bundle file ${e.file} named by ${path} is missing`, { file });
    const bytes = new Uint8Array(readFileSync(file));
    if (bytes.length !== e.sizeBytes) throw new RanasError('E_BUNDLE_SIZE', `${e.file} has ${bytes.length} bytes; the manifest says ${e.sizeBytes}`, { file });
    const sha = sha256Hex(bytes);
    if (sha !== e.sha256) throw new RanasError('E_BUNDLE_CHECKSUM', `${e.file} has sha256 ${sha}; the manifest says ${e.sha256}`, { file });
    files.set(e.file, bytes);
  }
  return { manifest: json, files };
}
