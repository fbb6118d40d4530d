/**
 * A faulty serial link made of real pseudo-terminals: host ⇄ pty pair A ⇄ faulty-link-relay process ⇄ pty pair
 * B ⇄ device. The host opens `hostPath`, the device `devicePath`, exactly as they would open /dev/ttyACM0 and
 * /dev/ttyGS0. Returns undefined without socat.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RanasError } from '../../src/errors.ts';
import { openPtyPair, type PtyPair } from './pty-pair.ts';

const RELAY = fileURLToPath(new URL('./faulty-link-relay.ts', import.meta.url));

export interface FaultyLinkPlan {
  baud?: number;
  bitErrorRate?: number;
  dropByteRate?: number;
  /** Host→device byte counts at which the link goes dead for `outageMs`. */
  outageAtBytes?: number[];
  outageMs?: number;
  seed?: number;
}

export interface FaultyLinkCounters {
  bitsFlipped: number;
  bytesDropped: number;
  outages: number;
  bytesHostToDevice: number;
  bytesDeviceToHost: number;
  bytesLostInOutages: number;
}

export interface FaultyPtyLink {
  hostPath: string;
  devicePath: string;
  /** Stops the relay and both pty pairs; resolves with the relay's counters. */
  stop(): Promise<FaultyLinkCounters>;
}

export async function openFaultyPtyLink(plan: FaultyLinkPlan): Promise<FaultyPtyLink | undefined> {
  const a: PtyPair | undefined = await openPtyPair();
  if (!a) return undefined;
  const b = await openPtyPair();
  if (!b) { await a.close(); return undefined; }
  const args = [
    '--import', 'tsx', RELAY, '--host-side', a.devicePath, '--device-side', b.hostPath,
    '--baud', String(plan.baud ?? 921_600), '--ber', String(plan.bitErrorRate ?? 0), '--drop', String(plan.dropByteRate ?? 0),
    '--outage-at-bytes', (plan.outageAtBytes ?? []).join(','), '--outage-ms', String(plan.outageMs ?? 1500), '--seed', String(plan.seed ?? 1),
  ];
  const relay = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const killOnExit = () => { if (relay.exitCode === null) relay.kill('SIGKILL'); };
  process.once('exit', killOnExit);
  let out = '';
  relay.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RanasError('E_TEST', `faulty-link relay printed no 'ready' within 20 s; its output: ${out}`)), 20_000);
    const check = () => { if (/^ready$/m.test(out)) { clearTimeout(timer); relay.stdout.off('data', check); resolve(); } };
    relay.stdout.on('data', check);
    relay.once('exit', (code) => { clearTimeout(timer); reject(new RanasError('E_TEST', `faulty-link relay exited with ${code} before it was ready; its output: ${out}`)); });
  });
  return {
    hostPath: a.hostPath,
    devicePath: b.devicePath,
    stop: async () => {
      const exited = relay.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => relay.once('exit', () => r()));
      relay.stdin.end();
      const timer = setTimeout(() => relay.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      process.off('exit', killOnExit);
      await a.close();
      await b.close();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      const zero: FaultyLinkCounters = { bitsFlipped: 0, bytesDropped: 0, outages: 0, bytesHostToDevice: 0, bytesDeviceToHost: 0, bytesLostInOutages: 0 };
      return line ? { ...zero, ...(JSON.parse(line) as Partial<FaultyLinkCounters>) } : zero;
    },
  };
}
