/**
 * The device half of the demo over the firmware bridge (`DeviceClient`): flash the bundle with the device
 * key and verify the device runs exactly that tar (sha256 in the flash answer and in a fresh Hello), read
 * the agent's profile, then send test images at every budget of the sweep under each policy.
 */
import { DeviceClient } from '../../firmware-bridge/client/device-client.ts';
import { loadBundleTar, readKeyFile } from '../../firmware-bridge/client/bundle-tar.ts';
import type { ProfileMsg } from '../../firmware-bridge/messages.ts';
import type { InferPolicy } from '../bundle-format/policy.ts';
import { SerialTransport } from '../../firmware-bridge/transport/serial-transport.ts';
import { connectTcp } from '../../firmware-bridge/transport/tcp-transport.ts';
import type { Connect } from '../../firmware-bridge/transport/transport.ts';
import { imageBytes, type ImageDataset } from '../data/types.ts';
import { RanasError } from '../errors.ts';
import { budgetsFromProfile, summariseBudget, type BudgetSummary, type SweepSample } from './budget-sweep.ts';

/** A serial port or TCP address of a device agent. */
export type DeviceAddress = { kind: 'serial'; path: string; baudRate: number } | { kind: 'tcp'; host: string; port: number };

/** What the flash did and how it was checked. */
export interface FlashSummary {
  bundle: string;
  sha256: string;
  sizeBytes: number;
  seconds: number;
  /** The device already ran this tar (nothing was sent). */
  alreadyActive: boolean;
  /** The flash answer and a fresh Hello both name this tar's sha256. */
  verified: boolean;
}

/** Everything the device half measured. */
export interface DeviceRun {
  link: string;
  deviceName: string;
  agentVersion: string;
  flash: FlashSummary;
  profile: ProfileMsg;
  budgetsUs: number[];
  sweep: BudgetSummary[];
  /** Budget × policy points not run because the time limit was reached. */
  skipped: { policy: InferPolicy; budgetUs: number }[];
}

/** Options of `runOnDevice`. */
export interface DeviceRunOptions {
  address: DeviceAddress;
  bundleDir: string;
  keyFile: string;
  images: ImageDataset;
  /** Explicit budgets, µs; empty = derived from the profile. */
  budgetsUs: number[];
  budgetSteps: number;
  policies: InferPolicy[];
  /** Stop sending after this many seconds of sweep (the rest is reported as skipped). */
  maxSeconds: number;
  say: (line: string) => void;
}

function connectOf(a: DeviceAddress): Connect {
  return a.kind === 'serial' ? () => SerialTransport.open(a.path, a.baudRate) : () => connectTcp(a.host, a.port);
}

/** Flashes, verifies, profiles and sweeps. */
export async function runOnDevice(o: DeviceRunOptions): Promise<DeviceRun> {
  const client = await DeviceClient.open({ connect: connectOf(o.address), baudRate: o.address.kind === 'serial' ? o.address.baudRate : undefined, timeoutMs: 2000 });
  try {
    const tar = await loadBundleTar(o.bundleDir);
    const t0 = performance.now();
    o.say(`flashing ${o.bundleDir} (${tar.bytes.length} bytes, sha256 ${tar.sha256.slice(0, 16)}…)`);
    // The commit waits for the agent to load and profile the bundle: minutes on a slow device.
    const flashed = await client.flash(tar, { keyBytes: readKeyFile(o.keyFile), maxReconnects: 5 });
    const seconds = (performance.now() - t0) / 1000;
    const info = await client.hello();
    const verified = flashed.sha256 === tar.sha256 && flashed.activeBundle?.sha256 === tar.sha256 && info.activeBundle?.sha256 === tar.sha256;
    if (!verified) {
      throw new RanasError('E_DEMO_FLASH', `after the flash the device runs bundle sha256 ${info.activeBundle?.sha256 ?? 'none'}; expected ${tar.sha256}`);
    }
    const profile = info.profile;
    if (!profile || profile.segments.length === 0) throw new RanasError('E_DEMO_PROFILE', `device ${info.deviceName} reports no profile for the flashed bundle; expected one p50/p99 per segment`);
    const overheadText = profile.overhead ? `; request overhead p99 ${(profile.overhead.input.p99Us + profile.overhead.answer.p99Us).toFixed(0)} µs` : '';
    o.say(`flash verified in ${seconds.toFixed(1)} s; profile: ${profile.segments.map((s, k) => `seg${k} p50 ${s.p50Us.toFixed(0)} / p99 ${s.p99Us.toFixed(0)} µs`).join(', ')}${overheadText}`);

    const budgetsUs = o.budgetsUs.length > 0 ? o.budgetsUs : budgetsFromProfile(profile.segments, o.budgetSteps, (profile.overhead?.input.p99Us ?? 0) + (profile.overhead?.answer.p99Us ?? 0));
    const sweep: BudgetSummary[] = [];
    const skipped: DeviceRun['skipped'] = [];
    const size = imageBytes(o.images);
    const shape = [1, o.images.height, o.images.width, o.images.channels];
    const tSweep = performance.now();
    for (const policy of o.policies) {
      for (const budgetUs of budgetsUs) {
        if ((performance.now() - tSweep) / 1000 > o.maxSeconds) { skipped.push({ policy, budgetUs }); continue; }
        const samples: SweepSample[] = [];
        for (let i = 0; i < o.images.count; i++) {
          const input = Buffer.from(o.images.images.subarray(i * size, (i + 1) * size));
          const r = await client.infer({ input, shape, dtype: 'uint8', budgetUs, policy, topK: 1 });
          samples.push({ exitIndex: r.exitIndex, correct: r.classIndex === o.images.labels[i], totalUs: r.totalUs, met: r.met, overBudget: r.overBudget });
        }
        const s = summariseBudget(policy, budgetUs, profile.segments.length, samples);
        sweep.push(s);
        o.say(`${policy} ${budgetUs} µs: exits [${s.exitCounts.join(' ')}], accuracy ${(100 * s.accuracy).toFixed(1)} %, p50 ${s.p50Us.toFixed(0)} µs, p99 ${s.p99Us.toFixed(0)} µs, misses ${s.misses}`);
      }
    }
    if (skipped.length > 0) o.say(`time limit of ${o.maxSeconds} s reached: ${skipped.length} budget/policy points skipped`);
    return {
      link: o.address.kind === 'serial' ? `serial ${o.address.path} @ ${o.address.baudRate} baud` : `tcp ${o.address.host}:${o.address.port}`,
      deviceName: info.deviceName, agentVersion: info.agentVersion,
      flash: { bundle: o.bundleDir, sha256: tar.sha256, sizeBytes: tar.bytes.length, seconds, alreadyActive: flashed.alreadyActive, verified },
      profile, budgetsUs, sweep, skipped,
    };
  } finally {
    await client.close();
  }
}
