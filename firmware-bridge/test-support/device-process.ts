/**
 * Starts `fake-device.ts` as a separate process and waits for its `ready` line. The process is ended by
 * closing its stdin (and SIGTERM as a backstop) through `stop`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RanasError } from '../../src/errors.ts';

export interface DeviceProcess {
  /** TCP port when listening on TCP. */
  port: number | undefined;
  /** Log lines the device wrote on stderr. */
  logs: string[];
  stop(): Promise<void>;
}

const FAKE_DEVICE = fileURLToPath(new URL('./fake-device.ts', import.meta.url));

export async function startFakeDevice(args: string[]): Promise<DeviceProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', FAKE_DEVICE, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const logs: string[] = [];
  proc.stderr.on('data', (b: Buffer) => logs.push(...b.toString().split('\n').filter(Boolean)));
  const ready = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new RanasError('E_TEST', `fake device not ready within 20 s; stderr: ${logs.join('\n')}`)), 20_000);
    proc.stdout.on('data', (b: Buffer) => {
      text += b.toString();
      const line = /^ready .*$/m.exec(text);
      if (line) { clearTimeout(timer); resolve(line[0]); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new RanasError('E_TEST', `fake device exited with ${code}: ${logs.join('\n')}`)); });
  });
  const m = /^ready tcp (\d+)/.exec(ready);
  return {
    port: m ? Number(m[1]) : undefined,
    logs,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) { resolve(); return; }
      const timer = setTimeout(() => proc.kill('SIGTERM'), 2000);
      proc.once('exit', () => { clearTimeout(timer); resolve(); });
      proc.stdin.end();
    }),
  };
}
