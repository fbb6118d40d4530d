/**
 * Reads a bundle folder back and checks it with the bundle format's own parser (format, version, every
 * field), then every file it names: present, with the recorded size and sha256. For the converter's tests
 * and the export's self-check; the device agent's store adds its own limits (sizes, reserved names, symlinks).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from '../../src/errors.ts';
import { manifestFiles, type BundleManifest } from '../../src/bundle-format/manifest.ts';
import { parseManifestBytes } from '../../src/bundle-format/parse-manifest.ts';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';

/** Loads `<dir>/manifest.json`, verifies every file, and returns the manifest with the file bytes. */
export function readBundle(dir: string): { manifest: BundleManifest; files: Map<string, Uint8Array> } {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new RanasError('E_BUNDLE_MISSING', `no manifest.json in ${dir}`, { file: path });
  const manifest = parseManifestBytes(readFileSync(path), `bundle '${dir}'`);
  const files = new Map<string, Uint8Array>();
  for (const e of manifestFiles(manifest)) {
    const file = join(dir, e.file);
    if (!existsSync(file)) throw new RanasError('E_BUNDLE_MISSING', `bundle file ${e.file} named by ${path} is missing`, { file });
    const bytes = new Uint8Array(readFileSync(file));
    if (bytes.length !== e.sizeBytes) throw new RanasError('E_BUNDLE_SIZE', `${e.file} has ${bytes.length} bytes; the manifest says ${e.sizeBytes}`, { file });
    const sha = sha256Hex(bytes);
    if (sha !== e.sha256) throw new RanasError('E_BUNDLE_CHECKSUM', `${e.file} has sha256 ${sha}; the manifest says ${e.sha256}`, { file });
    files.set(e.file, bytes);
  }
  return { manifest, files };
}
