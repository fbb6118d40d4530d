/**
 * `ranas device profile-ops` over the bridge: the op models and calibration bundles are built here, sent to
 * the device as one signed op pack (flashed like a bundle: chunked, resumable, MAC + Ed25519, never
 * activated), and the device's agent measures them slice by slice (ProfileOps, protocol 3) between its
 * inference requests. Each answer's entries go to the table at once, and a rerun sends what the table already
 * has as the done bitmap, so an interruption (of the host, the link or the agent) loses at most one slice.
 * The pack is kept beside the table until it is complete (`<table>.op-pack.tar`), so a rerun sends the same
 * pack, and a pack the device already keeps is not sent again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { BundleRuntime } from '../bundle-format/manifest.ts';
import type { LatencyEntry, OpModel } from '../bundle-format/latency-table.ts';
import { doneBitmap, itemKeys } from '../bundle-format/op-pack.ts';
import { RanasError, isRanasError } from '../errors.ts';
import type { MsRanasConfig } from '../model/ms-ranas.ts';
import type { DeviceClient } from '../../firmware-bridge/client/device-client.ts';
import { DEFAULT_PROFILE_RUNS } from '../../device/profiler.ts';
import { calibrationKey, calibrationKeys } from './op-models.ts';
import { calibrationGraph, exportLatencyBundle } from './calibration-bundles.ts';
import { buildOpPack, type BuiltOpPack } from './op-pack-build.ts';
import { sha256Hex } from '../bundle-format/sha256.ts';
import { readOpPack } from '../../device/op-packs/op-pack-store.ts';
import { writeFileAtomic } from '../run-folder.ts';

/** How to reach the device and what authorises the pack. */
export interface BridgeDevice {
  client: DeviceClient;
  /** Link key (the agent's --key-file). */
  keyBytes: Buffer;
  /** Host Ed25519 private key the device trusts. */
  signingKey: KeyObject;
  /** Measuring time asked per request, ms (default 3,000). */
  sliceMs?: number;
}

export interface BridgeMeasureOptions {
  device: BridgeDevice;
  config: MsRanasConfig;
  configName: string;
  runtime: BundleRuntime;
  threads: number;
  models: readonly OpModel[];
  seeds: readonly number[];
  /** Keys the table already has. */
  done: ReadonlySet<string>;
  warmups: number;
  runs: number;
  /** Agent profiler runs per calibration segment (default 200). */
  calibrationRuns?: number;
  /** Where the built pack is kept until the table is complete (a resumed run sends the same pack: the device may keep it). */
  packFile: string;
  /** Called with each answer's entries, in order. */
  add: (entries: LatencyEntry[]) => void;
  log: (line: string) => void;
}

/** Every key of a complete table: the op models' and each calibration network's segments. */
function allKeys(o: BridgeMeasureOptions): string[] {
  return [...o.models.map((m) => m.key), ...o.seeds.flatMap((seed) => calibrationKeys(o.config, seed))];
}

/** Agent profiler runs per calibration segment. */
const bundleRuns = (o: BridgeMeasureOptions): number => o.calibrationRuns ?? DEFAULT_PROFILE_RUNS;

/** The pack kept at `packFile` when it covers every key still missing with the same settings; else undefined. */
function keptPack(o: BridgeMeasureOptions, name: string): BuiltOpPack | undefined {
  if (!fs.existsSync(o.packFile)) return undefined;
  try {
    const bytes = fs.readFileSync(o.packFile);
    const sha256 = sha256Hex(bytes);
    const manifest = readOpPack(bytes, sha256).manifest;
    const keys = new Set(manifest.items.flatMap(itemKeys));
    const missing = allKeys(o).filter((k) => !o.done.has(k));
    const same = manifest.name === name && manifest.runtime === o.runtime && manifest.warmups === o.warmups && manifest.runs === o.runs && manifest.bundleRuns === bundleRuns(o);
    return same && missing.every((k) => keys.has(k)) ? { bytes, sha256, name, manifest } : undefined;
  } catch {
    return undefined; // a damaged or foreign file: build a new pack
  }
}

/** The op pack of what is still missing: the kept one, or built (op models + calibration bundles exported here) and kept. */
async function packFor(o: BridgeMeasureOptions, work: string): Promise<BuiltOpPack> {
  const name = `latency-${o.configName}-${o.runtime}`.replace(/[^A-Za-z0-9._-]/g, '-');
  const kept = keptPack(o, name);
  if (kept) {
    o.log(`reusing the op pack ${o.packFile} (sha256 ${kept.sha256.slice(0, 12)}…)`);
    return kept;
  }
  const bundles = [];
  for (const seed of o.seeds) {
    if (o.done.has(calibrationKey(seed, 0))) continue;
    o.log(`exporting calibration network ${seed} for the pack`);
    const dir = await exportLatencyBundle(calibrationGraph(o.config, seed), o.runtime, path.join(work, `calibration-${seed}`));
    bundles.push({ dir, keys: calibrationKeys(o.config, seed), part: 'calibration' });
  }
  const pack = await buildOpPack({ name, runtime: o.runtime, models: o.models, bundles, warmups: o.warmups, runs: o.runs, bundleRuns: bundleRuns(o), workDir: path.join(work, 'pack') });
  writeFileAtomic(o.packFile, pack.bytes);
  return pack;
}

/** Measures every op model and calibration network not in `done` on the device. */
export async function measureOverBridge(o: BridgeMeasureOptions): Promise<void> {
  const { client } = o.device;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-op-pack-'));
  try {
    const pack = await packFor(o, work);
    const items = pack.manifest.items;
    const total = allKeys(o).length;
    const measured = new Set(o.done);
    let flashes = 0;
    for (;;) {
      const done = doneBitmap(items, measured);
      let answer;
      try {
        answer = await client.profileOps({ packSha256: pack.sha256, done, maxMs: o.device.sliceMs ?? 3000, threads: o.threads });
      } catch (e) {
        if (!isRanasError(e, 'E_NO_OP_PACK') || flashes >= 2) throw e;
        flashes++;
        o.log(`sending op pack ${pack.name} (${items.length} items, ${(pack.bytes.length / 1024).toFixed(0)} KiB, sha256 ${pack.sha256.slice(0, 12)}…) to ${client.info.deviceName}`);
        const report = await client.flashOpPack(pack, { keyBytes: o.device.keyBytes, signingKey: o.device.signingKey });
        o.log(`op pack kept by the device (${report.chunksSent} chunk sends, ${report.reconnects} reconnects)`);
        continue;
      }
      if (answer.runtime !== o.runtime || answer.threads !== o.threads) {
        throw new RanasError('E_LATENCY_CONFIG', `the device measured with ${answer.runtime} and ${answer.threads} thread(s); expected ${o.runtime} with ${o.threads}`);
      }
      const fresh = answer.entries.filter((e) => !measured.has(e.key) && e.item < items.length && itemKeys(items[e.item]).includes(e.key));
      if (fresh.length > 0) {
        o.add(fresh.map((e) => ({ key: e.key, part: e.part, p50Us: e.p50Us, p99Us: Math.max(e.p50Us, e.p99Us), runs: e.runs })));
        for (const e of fresh) {
          measured.add(e.key);
          o.log(`[${measured.size}/${total}] ${e.key}: p50 ${e.p50Us.toFixed(1)} µs, p99 ${e.p99Us.toFixed(1)} µs (${answer.device})`);
        }
      }
      if (answer.remaining === 0) {
        fs.rmSync(o.packFile, { force: true });
        return;
      }
      if (fresh.length === 0) {
        throw new RanasError('E_DEVICE', `the device answered profileOps with nothing new and ${answer.remaining} items remaining; expected at least one measured item per answer`);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
