/**
 * Where a run writes, so work is never lost or overwritten: a new run is staged in a hidden folder beside
 * its final place and renamed there when it finishes (or stops on a signal, with a checkpoint); a failure
 * removes the staging folder, so a failed command leaves nothing behind. An existing run is continued only
 * with `--resume` and replaced only with `--overwrite` (the old folder goes only once the new run succeeded).
 * A run killed outright (SIGKILL, power loss) cannot rename its staging folder; its checkpoint stays there, and
 * `--resume` (or a pipeline's continueOrStart) adopts it as the run folder instead of starting over.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RanasError } from '../errors.ts';

/** How the run folder is used. */
export type RunDirMode = 'new' | 'resume' | 'overwrite';

/** Where a run writes now and where it ends up. */
export interface RunDirPlan {
  mode: RunDirMode;
  /** `<runsDir>/<name>`: the folder the user names and reads. */
  finalDir: string;
  /** Where files are written while the command runs (the final folder itself on resume). */
  workDir: string;
  /** Moves the staged folder into place (replacing the old one on --overwrite). Idempotent. */
  commit(): void;
  /** Removes the staged folder (nothing on resume: the run keeps its checkpoint). Idempotent. */
  discard(): void;
}

/** Run names: a folder name, no separators, not hidden. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** What an existing run folder holds, for messages (command, start time, checkpoint). */
export function describeRun(dir: string): string {
  const parts: string[] = [];
  try {
    const c: unknown = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    if (typeof c === 'object' && c !== null) {
      const cmd = Reflect.get(c, 'command');
      const at = Reflect.get(c, 'startedAt');
      if (typeof cmd === 'string') parts.push(`a ${cmd} run`);
      if (typeof at === 'string') parts.push(`started ${at}`);
    }
  } catch {
    parts.push('no readable config.json');
  }
  if (existsSync(join(dir, 'checkpoint.bin'))) parts.push('with a checkpoint');
  return parts.join(', ');
}

/** When process `pid` started, ms since the epoch, from Linux's /proc (null elsewhere or when unreadable). */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]); // field 22: start time after boot, in clock ticks (100 a second)
    const bootS = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(startTicks) && Number.isFinite(bootS) ? (bootS + startTicks / 100) * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * True when process `pid` may still be the one that wrote at `writtenAtMs`: it is alive (signal 0 reaches it,
 * or it belongs to someone else) and did not start after that write (after a reboot a new process can have the
 * same pid; on Linux its start time tells them apart).
 */
function writerAlive(pid: number, writtenAtMs: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (!(e instanceof Error && Reflect.get(e, 'code') === 'EPERM')) return false;
  }
  const started = processStartMs(pid);
  return started === null || started <= writtenAtMs + 1000;
}

/**
 * The staging folder of a killed new run of `name` that holds a checkpoint (`.<name>.staging-<pid>` whose
 * process is gone), the most recently written if several; null if none.
 */
export function killedRunStaging(runsDir: string, name: string): string | null {
  if (!existsSync(runsDir)) return null;
  const prefix = `.${name}.staging-`;
  const found = readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith(prefix) && /^\d+$/.test(e.name.slice(prefix.length)))
    .map((e) => ({ d: resolve(runsDir, e.name), pid: Number(e.name.slice(prefix.length)) }))
    .filter(({ d }) => existsSync(join(d, 'checkpoint.bin')))
    .map(({ d, pid }) => ({ d, pid, at: statSync(join(d, 'checkpoint.bin')).mtimeMs }))
    .filter(({ pid, at }) => !writerAlive(pid, at))
    .sort((a, b) => b.at - a.at);
  return found.length ? found[0].d : null;
}

/** Names of the runs in `runsDir` (for "did you mean" lists). */
export function listRuns(runsDir: string): string[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/**
 * Decides where `<runsDir>/<name>` is written. Throws E_RUN_NAME (bad name), E_RUN_MISSING (--resume of a run
 * that does not exist), E_RUN_EXISTS (name reused without --resume or --overwrite), E_CLI_ARG (both flags).
 */
export function planRunDir(runsDir: string, name: string, o: { resume: boolean; overwrite: boolean; command: string }): RunDirPlan {
  if (!NAME.test(name)) throw new RanasError('E_RUN_NAME', `run name ${JSON.stringify(name)} is not a plain folder name; expected letters, digits, '.', '_' or '-' (not starting with '.' or '-')`);
  if (o.resume && o.overwrite) throw new RanasError('E_CLI_ARG', '--resume and --overwrite both given; expected one: --resume continues the run, --overwrite replaces it');
  const finalDir = resolve(runsDir, name);
  let exists = existsSync(finalDir);
  const killed = exists ? null : killedRunStaging(runsDir, name);
  if (o.resume && killed !== null) {
    renameSync(killed, finalDir);
    exists = true;
  }
  if (o.resume) {
    if (!exists) {
      const runs = listRuns(runsDir);
      throw new RanasError('E_RUN_MISSING', `--resume: no run folder ${finalDir}; expected a run started by \`ranas ${o.command} --name ${name}\`` +
        (runs.length ? ` (runs in ${resolve(runsDir)}: ${runs.join(', ')})` : ` (${resolve(runsDir)} holds no runs)`), { dir: finalDir });
    }
    return { mode: 'resume', finalDir, workDir: finalDir, commit: () => {}, discard: () => {} };
  }
  if (exists && !o.overwrite) {
    throw new RanasError('E_RUN_EXISTS', `run folder ${finalDir} already exists (${describeRun(finalDir)}); expected a new --name, --resume to continue it, or --overwrite to replace it`, { dir: finalDir });
  }
  if (killed !== null && !o.overwrite) {
    throw new RanasError('E_RUN_EXISTS', `run ${name} was killed before it finished (${describeRun(killed)}, in ${killed}); expected --resume to continue it from its checkpoint, --overwrite to start over, or a new --name`, { dir: killed });
  }
  const workDir = resolve(runsDir, `.${name}.staging-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  let done = false;
  return {
    mode: exists ? 'overwrite' : 'new',
    finalDir,
    workDir,
    commit: () => {
      if (done) return;
      done = true;
      if (existsSync(finalDir)) {
        const old = resolve(runsDir, `.${name}.replaced-${process.pid}`);
        renameSync(finalDir, old);
        renameSync(workDir, finalDir);
        rmSync(old, { recursive: true, force: true });
      } else {
        renameSync(workDir, finalDir);
      }
      if (killed !== null) rmSync(killed, { recursive: true, force: true });
    },
    discard: () => {
      if (done) return;
      done = true;
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * For pipelines that continue their own runs (demo, study): continue `<runsDir>/<name>` when it exists or a
 * killed run of it left a checkpoint (unless `fresh`), else start it (replacing nothing, since there is nothing there).
 */
export function continueOrStart(runsDir: string, name: string, fresh = false): { resume: boolean; overwrite: boolean } {
  const resume = !fresh && (existsSync(resolve(runsDir, name)) || killedRunStaging(runsDir, name) !== null);
  return { resume, overwrite: !resume };
}
