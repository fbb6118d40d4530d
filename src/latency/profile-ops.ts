/**
 * `ranas device profile-ops`: builds the op models of a config on the host (`op-models.ts`), measures them
 * with the device's op profiler — on this machine's runtime (`--local`), or on a device over the bridge
 * (`profile-ops-bridge.ts`: an op pack the agent measures) — and writes the latency table after every entry
 * (over the bridge: after every answer). Resumable: an existing table for the same config, runtime, threads
 * and device keeps its entries and only the missing keys are measured. The calibration networks are exported
 * and profiled by an agent (local, or the device's; `calibration-bundles.ts`) — locally in rounds spread over
 * the op models' measurement, one round after each part — and the correction is fitted (`fitCorrection`) and
 * stored in the table.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { BundleRuntime } from '../bundle-format/manifest.ts';
import { LATENCY_TABLE_FORMAT, LATENCY_TABLE_VERSION, type LatencyEntry, type LatencyTable, type OpModel } from '../bundle-format/latency-table.ts';
import type { MsRanasConfig } from '../model/ms-ranas.ts';
import { profileOpModels, DEFAULT_OP_RUNS, DEFAULT_OP_WARMUPS } from '../../device/op-profiler.ts';
import { hrClock, type Clock } from '../../device/scheduler/clock.ts';
import { onnxRuntime } from '../../device/runtimes/onnx-runtime.ts';
import { tfliteRuntime } from '../../device/runtimes/tflite-runtime.ts';
import type { Runtime, RuntimeOptions } from '../../device/runtimes/runtime.ts';
import { buildOpModels, calibrationKey, CALIBRATION_SEEDS, latencyConfigHash } from './op-models.ts';
import { CALIBRATION_MINUTES, CALIBRATION_PASSES, calibrationEntries, calibrationGraph } from './calibration-bundles.ts';
import { indexTable } from './predict-segments.ts';
import { fitCorrection } from './fit-correction.ts';
import { checkTableMatches, readLatencyTable, writeLatencyTable } from './table-file.ts';
import { measureOverBridge, type BridgeDevice } from './profile-ops-bridge.ts';
import { RanasError } from '../errors.ts';

/** The device runtime of each bundle runtime (what the agent would load the models with). */
export const LATENCY_RUNTIMES: Record<BundleRuntime, (o: RuntimeOptions) => Runtime> = { onnx: onnxRuntime, tflite: tfliteRuntime };

/** Options of `profileOps`. */
export interface ProfileOpsOptions {
  config: MsRanasConfig;
  /** Preset or file name of the config (recorded in the table). */
  configName: string;
  runtime: BundleRuntime;
  threads: number;
  /** Table file: resumed when it exists (same config, runtime, threads), else created. */
  out: string;
  warmups?: number;
  runs?: number;
  /** Agent profiler runs per calibration segment (default the agent's, 200). */
  calibrationRuns?: number;
  /** Calibration networks (default `CALIBRATION_SEEDS`). */
  calibrationSeeds?: readonly number[];
  /** Rounds over the calibration networks when measured on this machine (default `CALIBRATION_PASSES`). */
  calibrationPasses?: number;
  /** Least time those rounds span on this machine, minutes (default `CALIBRATION_MINUTES`; more rounds until then). */
  calibrationMinutes?: number;
  /**
   * Measure the existing table's calibration networks again and refit its correction, keeping its op entries:
   * for a device whose speed changed since (governor, cooling, runtime update). The file keeps the old entries
   * until the first new one is written.
   */
  recalibrate?: boolean;
  deviceName?: string;
  /** Measure on this device over the bridge (an op pack) instead of on this machine. */
  device?: BridgeDevice;
  /** Runtime to measure with instead of the real one (tests). */
  runtimeImpl?: Runtime;
  clock?: Clock;
  log?: (line: string) => void;
}

/**
 * The calibration networks a table was started with: the first N of `CALIBRATION_SEEDS`, N from its entry count
 * (op models + N × segments); all of them when the count does not say.
 */
function tableCalibrationSeeds(table: LatencyTable, opModels: number, segments: number): readonly number[] {
  const n = (table.config.opModels - opModels) / segments;
  return Number.isInteger(n) && n >= 2 && n <= CALIBRATION_SEEDS.length ? CALIBRATION_SEEDS.slice(0, n) : CALIBRATION_SEEDS;
}

/** `items` in `n` consecutive parts whose sizes differ by at most one (all of them when n ≤ 1). */
export function evenParts<T>(items: readonly T[], n: number): T[][] {
  const k = Math.max(1, Math.floor(n));
  return Array.from({ length: k }, (_, i) => items.slice(Math.floor((i * items.length) / k), Math.floor(((i + 1) * items.length) / k)));
}

/** Builds, measures and writes the table; returns it (complete unless interrupted). */
export async function profileOps(o: ProfileOpsOptions): Promise<LatencyTable> {
  const log = o.log ?? (() => {});
  const hash = latencyConfigHash(o.config);
  const now = new Date().toISOString();
  const existing = fs.existsSync(o.out) ? readLatencyTable(o.out) : undefined;
  if (o.recalibrate && !existing) throw new RanasError('E_CLI_OPTION', `--recalibrate refits an existing table; ${o.out} does not exist (expected a table measured before, or drop --recalibrate to measure one)`);
  if (existing) checkTableMatches(existing, { configHash: hash, configName: o.configName, runtime: o.runtime, threads: o.threads }, o.out);
  // A table is one device's: entries measured elsewhere are not mixed in (over the bridge: the agent's name).
  const deviceName = o.device?.client.info.deviceName ?? o.deviceName ?? os.hostname();
  if (existing && existing.device !== deviceName) {
    throw new RanasError('E_LATENCY_CONFIG', `${o.out} was measured on '${existing.device}'; this run measures on '${deviceName}' (expected the same device, or another --table)`);
  }
  log(`building op models of ${o.configName} (${o.runtime}, int8)`);
  const models: OpModel[] = buildOpModels(o.config, o.runtime, log);
  // A resumed table keeps the calibration networks it was started with unless others are asked for.
  const seeds = o.calibrationSeeds ?? (existing ? tableCalibrationSeeds(existing, models.length, o.config.exitLayers.length) : CALIBRATION_SEEDS);
  const total = models.length + seeds.length * o.config.exitLayers.length;
  let table: LatencyTable;
  if (existing) {
    table = existing.config.opModels === total ? existing : { ...existing, config: { ...existing.config, opModels: total } };
    if (o.recalibrate) {
      const { correction: _dropped, ...kept } = table;
      table = { ...kept, entries: table.entries.filter((e) => e.part !== 'calibration') };
      log(`recalibrating ${o.out}: its ${existing.entries.length - table.entries.length} calibration entries are measured again, its ${table.entries.length} op entries kept`);
    } else {
      log(`resuming ${o.out}: ${table.entries.length} of ${total} entries measured`);
    }
  } else {
    table = {
      format: LATENCY_TABLE_FORMAT,
      version: LATENCY_TABLE_VERSION,
      device: deviceName,
      runtime: o.runtime,
      precision: 'int8',
      threads: o.threads,
      createdAt: now,
      updatedAt: now,
      warmups: o.warmups ?? DEFAULT_OP_WARMUPS,
      runs: o.runs ?? DEFAULT_OP_RUNS,
      config: { name: o.configName, hash, opModels: total },
      entries: [],
    };
  }
  const done = new Set(table.entries.map((e) => e.key));
  const add = (entries: LatencyEntry[]) => {
    table = { ...table, entries: [...table.entries, ...entries], updatedAt: new Date().toISOString() };
    writeLatencyTable(o.out, table);
  };
  if (o.device) {
    await measureOverBridge({
      device: o.device, config: o.config, configName: o.configName, runtime: o.runtime, threads: o.threads, models, seeds, done,
      warmups: table.warmups, runs: table.runs, calibrationRuns: o.calibrationRuns, packFile: `${o.out}.op-pack.tar`, add, log,
    });
  } else {
    const runtime = o.runtimeImpl ?? LATENCY_RUNTIMES[o.runtime]({ threads: o.threads });
    const measureOps = (part: readonly OpModel[]) => profileOpModels(part, {
      runtime,
      clock: o.clock ?? hrClock,
      warmups: table.warmups,
      runs: table.runs,
      done,
      onEntry: (entry) => {
        add([entry]);
        log(`[${table.entries.length}/${total}] ${entry.key}: p50 ${entry.p50Us.toFixed(1)} µs, p99 ${entry.p99Us.toFixed(1)} µs`);
      },
    });
    const todo = models.filter((m) => !done.has(m.key));
    const missing = seeds.filter((seed) => !done.has(calibrationKey(seed, 0)));
    if (missing.length === 0) {
      await measureOps(todo);
    } else {
      // The op models are measured in as many parts as there are calibration rounds, one part before each round,
      // so that the rounds (whose level the correction sets for every prediction) are spread over the whole
      // measurement instead of taken in its last minutes (results/latency/README.md, session 11).
      const passes = o.calibrationPasses ?? CALIBRATION_PASSES;
      const minMinutes = o.calibrationMinutes ?? CALIBRATION_MINUTES;
      const parts = evenParts(todo, passes);
      log(`calibration networks ${missing.join(', ')}: ${passes} round${passes === 1 ? '' : 's'} over all of them${minMinutes > 0 ? ` (more until ${minMinutes} min have passed)` : ''}${todo.length > 0 ? `, one after each ${passes === 1 ? 'pass' : `of ${passes} parts`} of the ${todo.length} op models left` : ''}`);
      const measured = await calibrationEntries(o.config, missing, {
        runtime: o.runtime, threads: o.threads, runs: o.calibrationRuns, passes, minMinutes,
        beforeRound: async (round) => {
          await measureOps(parts[round] ?? []);
          log(`calibration round ${round + 1}${round < passes ? ` of ${passes}` : ` (until ${minMinutes} min)`}`);
        },
      });
      measured.forEach((entries, i) => {
        add(entries);
        log(`calibration network ${missing[i]}: ${entries.map((e) => `${e.p50Us.toFixed(0)} µs`).join(', ')}`);
      });
    }
  }
  const nets = new Map(seeds.map((seed) => [seed, calibrationGraph(o.config, seed)]));
  const correction = fitCorrection(indexTable(table, o.out), nets);
  table = { ...table, correction, updatedAt: new Date().toISOString() };
  writeLatencyTable(o.out, table);
  const shares = Object.entries(correction.primitiveScale ?? {}).map(([p, b]) => `${p} ${b >= 0 ? '+' : ''}${(b * 100).toFixed(0)} %`).join(', ');
  log(`correction: ${correction.segmentOverheadUs.map((c, k) => `segment ${k + 1} ${c >= 0 ? '+' : ''}${c.toFixed(1)} µs`).join(', ')}; ${shares} (ridge weight ${correction.ridgeLambda}, shrunk toward ${((correction.commonShare ?? 0) * 100).toFixed(0)} %, both chosen by leave-one-network-out over ${correction.segments} calibration segments)`);
  return table;
}
