/**
 * A private Mosquitto for tests and benchmarks: its own temp config on a free loopback port (never the
 * system service), started as a child process and stopped (SIGKILL, like a crash, or SIGTERM). `restart()`
 * brings it back on the same port. `mosquittoPath()` is undefined when Mosquitto is not installed
 * (scripts/setup.sh installs it on Debian); tests then skip with that reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/opt/homebrew/sbin/mosquitto'];

export function mosquittoPath(): string | undefined {
  const found = CANDIDATES.find((p) => fs.existsSync(p));
  if (found) return found;
  const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** Why broker tests are skipped here (false when Mosquitto is available). */
export function mosquittoSkipReason(): string | false {
  return mosquittoPath() ? false : 'mosquitto is not installed (scripts/setup.sh installs it: apt-get install mosquitto)';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface TestBroker {
  url: string;
  port: number;
  /** Stops the broker: SIGKILL (a crash, nothing saved) by default. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new RanasError('E_FLEET_BROKER', `mosquitto did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export async function startMosquitto(o: { maxConnections?: number } = {}): Promise<TestBroker> {
  const bin = mosquittoPath();
  if (!bin) throw new RanasError('E_FLEET_BROKER', 'mosquitto is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    `max_connections ${o.maxConnections ?? -1}`,
    'max_queued_messages 10000',
    'log_dest none',
    '',
  ].join('\n'));
  let proc: ChildProcess | undefined;
  const launch = async () => {
    const p = spawn(bin, ['-c', conf], { stdio: 'ignore' });
    proc = p;
    // Never outlive the test process, even when a test fails before its clean-up.
    const reap = () => p.kill('SIGKILL');
    const reapAndEnd = (signal: NodeJS.Signals) => { reap(); process.kill(process.pid, signal); };
    const onTerm = () => reapAndEnd('SIGTERM');
    const onInt = () => reapAndEnd('SIGINT');
    process.once('exit', reap);
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    p.once('exit', () => { process.off('exit', reap); process.off('SIGTERM', onTerm); process.off('SIGINT', onInt); });
    await waitForPort(port, 5000);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  };
  await launch();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    stop: async () => {
      await kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
