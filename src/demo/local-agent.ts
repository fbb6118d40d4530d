/**
 * The demo's embedded default device: a `ranas-agent` child process (`bin/ranas-agent.mjs`) serving the
 * firmware bridge on one end of a real pseudo-terminal pair (Debian's socat, as the firmware-bridge tests
 * make them); the host opens the other end as a serial port, exactly as it would a Pi's /dev/ttyACM0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../device/agent-node-flags.ts';
import { openPtyPair, type PtyPair } from '../../firmware-bridge/test-support/pty-pair.ts';
import { DEFAULT_BAUD } from '../../firmware-bridge/transport/serial-transport.ts';
import { RanasError } from '../errors.ts';
import { packagePath } from '../package-root.ts';

const AGENT_BIN = packagePath('bin', 'ranas-agent.mjs');

/** Options of the local agent. */
export interface LocalAgentOptions {
  /** Bundle store folder of the agent. */
  bundleDir: string;
  keyFile: string;
  /** Profiler timed runs per segment. */
  profileRuns: number;
  deviceName: string;
  /** Where the agent's JSON-lines log goes. */
  onLog?: (line: string) => void;
}

/** A running local agent on a pty pair. */
export interface LocalAgent {
  /** The host end of the pty pair (open it as a serial port). */
  hostPath: string;
  devicePath: string;
  baudRate: number;
  pid: number;
  stop(): Promise<void>;
}

function waitReady(proc: ChildProcess, logs: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new RanasError('E_DEMO_AGENT', `ranas-agent printed no "ready serial" within 120 s; its log: ${logs.slice(-5).join(' | ')}`)), 120_000);
    proc.stdout?.on('data', (b: Buffer) => {
      text += b.toString();
      if (/^ready serial /m.test(text)) { clearTimeout(timer); resolve(); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new RanasError('E_DEMO_AGENT', `ranas-agent exited with code ${code} before it was ready; its log: ${logs.slice(-5).join(' | ')}`)); });
  });
}

/** Opens a pty pair and starts the agent on its device end; resolves once the agent serves it. */
export async function startLocalAgent(o: LocalAgentOptions): Promise<LocalAgent> {
  const pty: PtyPair | undefined = await openPtyPair();
  if (!pty) throw new RanasError('E_DEMO_PTY', 'socat is not installed, so no pseudo-terminal pair for the local agent; expected /usr/bin/socat (apt-get install -y socat), or give --host/--port for a real device');
  const args = [
    AGENT_BIN, '--bundle-dir', o.bundleDir, '--serial', pty.devicePath, '--baud', String(DEFAULT_BAUD),
    '--key-file', o.keyFile, '--device-name', o.deviceName, '--profile-runs', String(o.profileRuns), '--warmups', '5',
  ];
  const proc = spawn(process.execPath, [...AGENT_NODE_FLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...AGENT_ENV } });
  const logs: string[] = [];
  proc.stderr.on('data', (b: Buffer) => {
    for (const line of b.toString().split('\n').filter(Boolean)) { logs.push(line); o.onLog?.(line); }
  });
  try {
    await waitReady(proc, logs);
  } catch (e) {
    proc.kill('SIGTERM');
    await pty.close();
    throw e;
  }
  return {
    hostPath: pty.hostPath,
    devicePath: pty.devicePath,
    baudRate: DEFAULT_BAUD,
    pid: proc.pid ?? -1,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
          proc.once('exit', () => { clearTimeout(timer); resolve(); });
          proc.kill('SIGTERM');
        });
      }
      await pty.close();
    },
  };
}
