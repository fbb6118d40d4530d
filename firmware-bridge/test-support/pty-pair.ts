/**
 * A real pseudo-terminal pair for serial tests, made by Debian's socat
 * (`socat -d -d pty,raw,echo=0 pty,raw,echo=0` prints both /dev/pts paths). Returns undefined when socat
 * is not installed, so tests can skip with a message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { RanasError } from '../../src/errors.ts';

export interface PtyPair {
  hostPath: string;
  devicePath: string;
  close(): Promise<void>;
}

/** True when socat is on PATH. */
export function haveSocat(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export async function openPtyPair(): Promise<PtyPair | undefined> {
  if (!haveSocat()) return undefined;
  const proc: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  // socat outlives a parent that exits without close() (process.exit, a crash): end it with us.
  const killOnExit = () => { if (proc.exitCode === null) proc.kill('SIGTERM'); };
  process.once('exit', killOnExit);
  proc.once('exit', () => process.off('exit', killOnExit));
  const paths = await new Promise<string[]>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new RanasError('E_DEMO_PTY', `socat printed no pty paths within 5 s: ${text}`)), 5000);
    proc.stderr?.on('data', (b: Buffer) => {
      text += b.toString();
      const found = [...text.matchAll(/PTY is (\S+)/g)].map((m) => m[1]);
      if (found.length === 2 && /starting data transfer/.test(text)) { clearTimeout(timer); resolve(found); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new RanasError('E_DEMO_PTY', `socat exited with ${code}: ${text}`)); });
  });
  return {
    hostPath: paths[0],
    devicePath: paths[1],
    close: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) { resolve(); return; }
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}
