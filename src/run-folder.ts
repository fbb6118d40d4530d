/**
 * Run folders: every long command writes `runs/<name>/` with `config.json` (every option, seed, package
 * version, git commit), `log.jsonl` (one JSON object a line) and its outputs, so any number in a report can
 * be traced and re-run.
 */
import { appendJsonLine } from './json-lines.ts';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { RanasError, type ErrorCode } from './errors.ts';
import { PACKAGE_ROOT } from './package-root.ts';

const packageRoot = PACKAGE_ROOT;

/** Version from package.json. */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
  if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  return 'unknown';
}

/** Current git commit of the package checkout, or `unknown` outside a checkout. */
export function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/** Writes `data` as JSON atomically: a temp file beside the target, then a rename. */
export function writeJsonAtomic(path: string, data: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Writes bytes atomically: a temp file beside the target, then a rename. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** An open run folder. */
export interface RunFolder {
  /** Absolute path of `runs/<name>/`. */
  readonly dir: string;
  /** Appends one JSON line to `log.jsonl`, stamped with the wall-clock time. */
  log(entry: Record<string, unknown>): void;
  /** Absolute path of a file inside the run folder. */
  path(file: string): string;
}

/**
 * Opens (creating when needed) `<runsDir>/<name>/` and writes its `config.json`. The config keeps every
 * option of the command plus the package version and git commit; `resume` keeps an existing config.
 */
export function openRunFolder(
  runsDir: string,
  name: string,
  command: string,
  options: Record<string, unknown>,
): RunFolder {
  return openRunFolderAt(resolve(runsDir, name), command, options);
}

/** As `openRunFolder`, in a given folder (a staging folder: src/run/run-dir-plan.ts). */
export function openRunFolderAt(dir: string, command: string, options: Record<string, unknown>): RunFolder {
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, 'config.json'), {
    command,
    options,
    packageVersion: packageVersion(),
    gitCommit: gitCommit(),
    node: process.version,
    startedAt: new Date().toISOString(),
  });
  const logPath = join(dir, 'log.jsonl');
  return {
    dir,
    log: (entry) => appendJsonLine(logPath, entry),
    path: (file) => join(dir, file),
  };
}

/**
 * Refuses a `--resume` whose options differ from the run's saved `config.json` in any of `keys` (the options
 * that decide the exact sequence of steps). No saved config: nothing to compare. Throws `code`.
 */
export function checkResumeOptions<T extends object>(configPath: string, options: T, keys: readonly (keyof T & string)[], code: ErrorCode): void {
  if (!existsSync(configPath)) return;
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (e) {
    throw new RanasError(code, `--resume: ${configPath} is not valid JSON (${e instanceof Error ? e.message : String(e)}); expected the run's config`);
  }
  const before: unknown = typeof saved === 'object' && saved !== null ? Reflect.get(saved, 'options') : undefined;
  if (typeof before !== 'object' || before === null) return;
  for (const k of keys) {
    const was = JSON.stringify(Reflect.get(before, k));
    const now = JSON.stringify(options[k]);
    if (was !== now) throw new RanasError(code, `--resume with ${k} = ${now}, but the run in ${configPath} used ${was}; expected the same options`, { option: k });
  }
}
