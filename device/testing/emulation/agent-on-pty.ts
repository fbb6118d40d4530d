/**
 * Installs the device package and starts its agent on the device end of a pseudo-terminal pair, with a
 * given Node (the host's, or the arm64 one under qemu-aarch64): the commands of pi-commands.ts, run with
 * `node` / `npm` replaced by that Node's command line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { RanasError } from '../../../src/errors.ts';
import { openPtyPair, type PtyPair } from '../../../firmware-bridge/test-support/pty-pair.ts';
import { folderBytes } from '../../package/build-device-package.ts';
import { piCommands, type PiCommand, type PiPaths } from './pi-commands.ts';

/** How one side runs Node: `[node]` on the host, `[qemu-aarch64, -L, sysroot, node]` emulated. */
export interface NodeSide {
  /** Label for tables: 'x86-64', 'arm64 (qemu, emulated)'. */
  label: string;
  nodeCommand: string[];
  /** npm's CLI script, run by that Node. */
  npmCli: string;
}

/** The full command line of a Pi command on a side. */
export function commandLine(side: NodeSide, c: PiCommand): string[] {
  return c.program === 'npm' ? [...side.nodeCommand, side.npmCli, ...c.args] : [...side.nodeCommand, ...c.args];
}

function run(side: NodeSide, c: PiCommand, timeoutMs: number): string {
  const [bin, ...args] = commandLine(side, c);
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...c.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new RanasError('E_EMULATED_AGENT', `${side.label}: '${[c.program, ...c.args].join(' ')}' exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout.trim();
}

/** What an install measured. */
export interface InstallReport {
  seconds: number;
  installedBytes: number;
  /** `node -p process.arch` as run on that side. */
  arch: string;
}

/** Installs the tarball into paths.prefix and checks the side's architecture. */
export function installDevicePackage(side: NodeSide, paths: PiPaths): InstallReport {
  const cmds = piCommands(paths);
  const t0 = performance.now();
  run(side, cmds.install, 600_000);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, installedBytes: folderBytes(paths.prefix), arch: run(side, cmds.arch, 60_000) };
}

/** A running agent on a pty pair. */
export interface AgentOnPty {
  hostPath: string;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Starts the installed agent on a fresh pty pair (`paths.serial` is replaced by the pair's device end);
 * `extraArgs` follow the documented command (the emulation's shorter profiling).
 */
export async function startAgentOnPty(side: NodeSide, paths: Omit<PiPaths, 'serial'>, extraArgs: string[], readyTimeoutMs = 180_000): Promise<AgentOnPty> {
  const pty: PtyPair | undefined = await openPtyPair();
  if (!pty) throw new RanasError('E_EMULATED_AGENT', 'socat is not installed; expected /usr/bin/socat for the pseudo-terminal pair');
  const c = piCommands({ ...paths, serial: pty.devicePath }).agent;
  const [bin, ...args] = commandLine(side, c);
  const proc = spawn(bin, [...args, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...c.env } });
  const logs: string[] = [];
  proc.stderr.on('data', (b: Buffer) => logs.push(...b.toString().split('\n').filter(Boolean)));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => { clearTimeout(timer); resolve(); });
        proc.kill('SIGTERM');
      });
    }
    await pty.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new RanasError('E_EMULATED_AGENT', `${side.label}: the agent printed no "ready serial" within ${readyTimeoutMs / 1000} s; its log: ${logs.slice(-3).join(' | ')}`)), readyTimeoutMs);
      proc.stdout.on('data', (b: Buffer) => {
        text += b.toString();
        if (/^ready serial /m.test(text)) { clearTimeout(timer); resolve(); }
      });
      proc.once('exit', (code, signal) => { clearTimeout(timer); reject(new RanasError('E_EMULATED_AGENT', `${side.label}: the agent exited (${code ?? signal}) before it was ready; its log: ${logs.slice(-3).join(' | ')}`)); });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { hostPath: pty.hostPath, logs, stop };
}
