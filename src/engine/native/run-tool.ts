/**
 * Runs an external tool (pip, unzip, node-pre-gyp, nm) without a shell, with a time limit, keeping the
 * tail of its output for error messages. Never throws: a missing program is `{ code: null, missing: true }`.
 */
import { spawn } from 'node:child_process';

/** How a tool run ended. */
export interface ToolResult {
  /** Exit code; null when it could not start or was killed. */
  code: number | null;
  /** True when the program is not installed (ENOENT). */
  missing: boolean;
  timedOut: boolean;
  stdout: string;
  /** Last ~4 KB of stderr. */
  stderrTail: string;
  elapsedMs: number;
}

/** Options of one run. */
export interface ToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Receives every output chunk (e.g. appended to a build log). */
  onOutput?: (chunk: string) => void;
}

const TAIL_CHARS = 4096;

/** Runs `program args…` and resolves when it ends. */
export function runTool(program: string, args: readonly string[], o: ToolOptions): Promise<ToolResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(program, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      const s = b.toString();
      stdout += s;
      o.onOutput?.(s);
    });
    child.stderr.on('data', (b: Buffer) => {
      const s = b.toString();
      stderr = (stderr + s).slice(-TAIL_CHARS);
      o.onOutput?.(s);
    });
    const finish = (code: number | null, missing: boolean) => {
      clearTimeout(timer);
      done({ code, missing, timedOut, stdout, stderrTail: stderr, elapsedMs: performance.now() - t0 });
    };
    child.on('error', (e: NodeJS.ErrnoException) => finish(null, e.code === 'ENOENT'));
    child.on('close', (code) => finish(code, false));
  });
}

/** Last non-empty line of a tool's error output (for one-line messages). */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.at(-1) ?? '';
}
