/**
 * Verifies a staged bundle folder: manifest.json parses (known format and version), every file the
 * manifest names is a plain file name, exists as a regular file (not a symlink), has the recorded size
 * and sha256, and the total stays within the size limit.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';
import { manifestFiles, type BundleManifest } from '../../src/bundle-format/manifest.ts';
import { parseManifestBytes } from '../../src/bundle-format/parse-manifest.ts';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';
import { checkBundleFileName } from './read-tar.ts';

/** Checks the manifest's file names and the total size before anything is copied. */
export function checkManifestFiles(m: BundleManifest, maxBytes: number, where: string): void {
  let total = 0;
  for (const f of manifestFiles(m)) {
    checkBundleFileName(f.file, `${where} manifest`);
    if (f.file === 'manifest.json' || f.file === 'profile.json' || f.file === 'source.sha256') {
      throw new RanasError('E_BUNDLE_UNSAFE_PATH', `${where}: manifest names '${f.file}' as a model file; that name is reserved`, { file: f.file });
    }
    total += f.sizeBytes;
  }
  if (total > maxBytes) throw new RanasError('E_BUNDLE_TOO_LARGE', `${where}: bundle files total ${total} bytes; the limit is ${maxBytes}`, { sizeBytes: total, maxBytes });
}

/** Verifies the bundle in `dir` (see file comment); returns its manifest and the manifest's sha256. */
export async function verifyBundleDir(dir: string, maxBytes: number): Promise<{ manifest: BundleManifest; manifestSha256: string }> {
  const where = `bundle '${dir}'`;
  const manifestBytes = await fs.readFile(path.join(dir, 'manifest.json')).catch(() => {
    throw new RanasError('E_BUNDLE_MISSING_FILE', `${where} has no manifest.json`, { file: 'manifest.json' });
  });
  const manifest = parseManifestBytes(manifestBytes, where);
  checkManifestFiles(manifest, maxBytes, where);
  for (const f of manifestFiles(manifest)) {
    const file = path.join(dir, f.file);
    const st = await fs.lstat(file).catch(() => undefined);
    if (!st) throw new RanasError('E_BUNDLE_MISSING_FILE', `${where}: manifest names '${f.file}' but the bundle has no such file`, { file: f.file });
    if (!st.isFile()) throw new RanasError('E_BUNDLE_UNSAFE_PATH', `${where}: '${f.file}' is not a regular file (symlinks and folders are refused)`, { file: f.file });
    if (st.size !== f.sizeBytes) throw new RanasError('E_BUNDLE_CHECKSUM', `${where}: '${f.file}' has ${st.size} bytes; the manifest says ${f.sizeBytes}`, { file: f.file });
    const sha = sha256Hex(await fs.readFile(file));
    if (sha !== f.sha256) throw new RanasError('E_BUNDLE_CHECKSUM', `${where}: '${f.file}' has sha256 ${sha}; the manifest says ${f.sha256}`, { file: f.file, found: sha, expected: f.sha256 });
  }
  return { manifest, manifestSha256: sha256Hex(manifestBytes) };
}
