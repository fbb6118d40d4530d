/**
 * A bundle travels as one tar of the bundle folder. Packing is deterministic (sorted entries, no mtimes,
 * portable headers), so flashing the same folder twice gives the same sha256 and an interrupted
 * `ranas device flash` can resume.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';
import { RanasError } from '../../src/errors.ts';
import type { FlashedBundle } from '../auth/flash-statements.ts';

export interface BundleTar {
  bytes: Buffer;
  sha256: string;
  /** manifest.json of the bundle ('' when the tar has none). */
  manifestJson: string;
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((d) => {
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      return d.isDirectory() ? listFiles(dir, rel) : d.isFile() ? [rel] : [];
    })
    .sort();
}

/** Reads `manifest.json` out of tar bytes ('' if absent). */
function manifestOfTar(bytes: Buffer): string {
  let manifest = '';
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      if (entry.path.replace(/^\.\//, '') !== 'manifest.json') { entry.resume(); return; }
      const parts: Buffer[] = [];
      entry.on('data', (b: Buffer) => parts.push(b));
      entry.on('end', () => { manifest = Buffer.concat(parts).toString('utf8'); });
    },
  });
  parser.end(bytes);
  return manifest;
}

/** Packs a bundle folder, or reads a bundle tar file, into bytes + sha256. */
export async function loadBundleTar(source: string): Promise<BundleTar> {
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (!stat) throw new RanasError('E_NOT_FOUND', `bundle '${source}' does not exist; expected a bundle folder or a .tar of one`);
  let bytes: Buffer;
  if (stat.isDirectory()) {
    const files = listFiles(source);
    if (!files.includes('manifest.json')) throw new RanasError('E_BAD_BUNDLE', `bundle folder '${source}' has no manifest.json`);
    const pack = tar.create({ cwd: source, portable: true, noMtime: true }, files);
    const parts: Buffer[] = [];
    for await (const part of pack) parts.push(Buffer.from(part));
    bytes = Buffer.concat(parts);
  } else {
    bytes = fs.readFileSync(source);
  }
  return { bytes, sha256: sha256Hex(bytes), manifestJson: manifestOfTar(bytes) };
}

/**
 * What a flash says about a bundle tar: its model name and release number (`versionOverride`, else the
 * manifest's `bundleVersion`, else its `createdAt` in Unix seconds: later exports have higher versions), size
 * and sha256. Throws E_NO_BUNDLE_VERSION when none of them gives a uint32.
 */
export function flashedBundleOf(tar: BundleTar, versionOverride?: number): FlashedBundle {
  let manifest: unknown;
  try {
    manifest = JSON.parse(tar.manifestJson || '{}');
  } catch {
    manifest = {};
  }
  const m = typeof manifest === 'object' && manifest !== null ? manifest : {};
  const model = 'model' in m && typeof m.model === 'object' && m.model !== null ? m.model : {};
  const name = 'name' in model && typeof model.name === 'string' ? model.name : 'bundle';
  const fromField = 'bundleVersion' in m && typeof m.bundleVersion === 'number' ? m.bundleVersion : undefined;
  const fromDate = 'createdAt' in m && typeof m.createdAt === 'string' ? Math.floor(Date.parse(m.createdAt) / 1000) : undefined;
  const version = versionOverride ?? fromField ?? fromDate;
  if (version === undefined || !Number.isInteger(version) || version < 1 || version > 0xffffffff) {
    throw new RanasError('E_NO_BUNDLE_VERSION', `bundle ${tar.sha256.slice(0, 12)}… has no usable release number (got ${String(version)}); expected --bundle-version N, or bundleVersion / createdAt in manifest.json`);
  }
  return { name, version, sizeBytes: tar.bytes.length, sha256: tar.sha256 };
}

export { readKeyFile } from '../device-key.ts';
