/**
 * One flash over the faulty pty link (faulty-pty-link.ts) to a fake device process, with default flash
 * options: what the lossy-link test and bench/flash-lossy.ts both run. Each run gets a fresh device folder
 * and fresh ptys, so runs do not share a staged file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { DeviceClient, type FlashReport } from '../client/device-client.ts';
import type { BundleTar } from '../client/bundle-tar.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import { startFakeDevice } from './device-process.ts';
import { openFaultyPtyLink, type FaultyLinkCounters, type FaultyLinkPlan } from './faulty-pty-link.ts';
import type { FlashKeys } from './flash-keys.ts';
import { trustPublicKey } from '../auth/signing-keys.ts';

export interface LossyFlashResult {
  seconds: number;
  report: FlashReport;
  faults: FaultyLinkCounters;
  /** The device's active bundle is byte for byte the one flashed. */
  verified: boolean;
}

export async function flashOverFaultyLink(o: { workDir: string; bundle: BundleTar; keys: FlashKeys; plan: FaultyLinkPlan; giveUpAfterMs?: number }): Promise<LossyFlashResult | undefined> {
  const baud = o.plan.baud ?? 921_600;
  const link = await openFaultyPtyLink({ ...o.plan, baud });
  if (!link) return undefined;
  const deviceDir = fs.mkdtempSync(path.join(o.workDir, 'device-'));
  trustPublicKey(path.join(deviceDir, 'trusted-keys'), o.keys.publicKeyFile);
  const device = await startFakeDevice(['--dir', deviceDir, '--serial', link.devicePath, '--baud', String(baud), '--key-file', o.keys.linkKeyFile]);
  let faults: FaultyLinkCounters | undefined;
  try {
    const t0 = performance.now();
    const client = await DeviceClient.open({ connect: () => SerialTransport.open(link.hostPath, baud), baudRate: baud });
    try {
      const report = await client.flash(o.bundle, { keyBytes: o.keys.linkKey, signingKey: o.keys.signingKey, giveUpAfterMs: o.giveUpAfterMs });
      const seconds = (performance.now() - t0) / 1000;
      const active = path.join(deviceDir, 'active.tar');
      const verified = fs.existsSync(active) && createHash('sha256').update(fs.readFileSync(active)).digest('hex') === o.bundle.sha256;
      faults = await link.stop();
      return { seconds, report, faults, verified };
    } finally {
      await client.close();
    }
  } finally {
    await device.stop();
    if (!faults) await link.stop();
    fs.rmSync(deviceDir, { recursive: true, force: true });
  }
}
