/**
 * What is in the data cache, for `ranas doctor` and `ranas data status`. Cheap by default: a dataset
 * counts as verified when its `.ranas-verified.json` stamp matches every file's size and mtime and holds
 * the official md5s; `deep` re-hashes every file instead.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dataCacheDir } from './cache-dir.ts';
import { CIFAR10_RELEASE, CIFAR100_RELEASE, releaseBatches, type CifarRelease } from './cifar-checksums.ts';
import { STAMP_FILE, verifyRelease } from './ensure-cifar.ts';

/** One dataset's cache state. */
export interface DatasetCacheState {
  readonly dataset: 'cifar10' | 'cifar100';
  readonly folder: string;
  /** Batch files present / expected. */
  readonly filesPresent: number;
  readonly filesExpected: number;
  readonly sizeBytes: number;
  /** md5-verified (by stamp, or by hashing with `deep`). */
  readonly verified: boolean;
  /** Where the verified files came from (from the stamp), if known. */
  readonly source: string | null;
}

const DATASETS = ['cifar10', 'cifar100'] as const;
const RELEASES: Record<DatasetCacheState['dataset'], CifarRelease> = { cifar10: CIFAR10_RELEASE, cifar100: CIFAR100_RELEASE };

function stampVerifies(release: CifarRelease, folder: string): { ok: boolean; source: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(folder, STAMP_FILE), 'utf8'));
  } catch {
    return { ok: false, source: null };
  }
  if (typeof parsed !== 'object' || parsed === null) return { ok: false, source: null };
  const files: unknown = Reflect.get(parsed, 'files');
  const sourceRaw: unknown = Reflect.get(parsed, 'source');
  const source = typeof sourceRaw === 'string' ? sourceRaw : null;
  if (typeof files !== 'object' || files === null) return { ok: false, source };
  for (const [file, md5] of releaseBatches(release)) {
    const entry: unknown = Reflect.get(files, file);
    if (typeof entry !== 'object' || entry === null) return { ok: false, source };
    const path = join(folder, file);
    if (!existsSync(path)) return { ok: false, source };
    const s = statSync(path);
    if (Reflect.get(entry, 'md5') !== md5 || Reflect.get(entry, 'sizeBytes') !== s.size || Reflect.get(entry, 'mtimeMs') !== s.mtimeMs) return { ok: false, source };
  }
  return { ok: true, source };
}

/** Cache state of every known dataset under `dir` (default: the data cache). */
export async function cacheState(opts: { dir?: string; deep?: boolean } = {}): Promise<DatasetCacheState[]> {
  const root = opts.dir ?? dataCacheDir();
  const out: DatasetCacheState[] = [];
  for (const dataset of DATASETS) {
    const release = RELEASES[dataset];
    const folder = join(root, release.folder);
    const batches = releaseBatches(release);
    const present = batches.filter(([f]) => existsSync(join(folder, f)));
    const sizeBytes = present.reduce((s, [f]) => s + statSync(join(folder, f)).size, 0);
    const stamp = stampVerifies(release, folder);
    let verified = stamp.ok;
    if (opts.deep && present.length === batches.length) verified = (await verifyRelease(release, folder)).every((c) => c.ok);
    out.push({ dataset, folder, filesPresent: present.length, filesExpected: batches.length, sizeBytes, verified, source: stamp.source });
  }
  return out;
}
