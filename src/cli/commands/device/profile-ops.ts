/**
 * `ranas device profile-ops (--port P | --host H:P) --key-file K [--signing-key S] | --local` with `[--preset tiny]
 * [--nodes 2] [--runtime onnx|tflite] [--runtime-threads 1] [--table FILE] [--runs N] [--warmups N]
 * [--calibration-networks N] [--calibration-minutes M (--local)] [--recalibrate]`: the
 * latency table of a supernet config, measured on the device over the bridge or on this machine
 * (src/latency/profile-ops.ts). Resumable: rerunning with the same table file measures only what is missing.
 */
import type { BundleRuntime } from '../../../bundle-format/manifest.ts';
import { RanasError } from '../../../errors.ts';
import { getPreset } from '../../../model/presets.ts';
import { printTable } from '../../../text-table.ts';
import { calibrationSeedsFor } from '../../../latency/op-models.ts';
import type { BridgeDevice } from '../../../latency/profile-ops-bridge.ts';
import { readSigningKey } from '../../../../firmware-bridge/auth/signing-keys.ts';
import { readKeyFile } from '../../../../firmware-bridge/client/bundle-tar.ts';
import { withClient, type DeviceCliOptions } from './link.ts';

/** Typed options of `device profile-ops`. */
export interface ProfileOpsCliOptions {
  readonly local: boolean;
  /** How to reach the device and authorise the op pack (absent with --local). */
  readonly bridge?: DeviceCliOptions & { readonly keyFile: string; readonly signingKeyFile: string; readonly sliceMs: number };
  readonly preset: string;
  readonly nodes: number;
  readonly runtime: BundleRuntime;
  readonly threads: number;
  readonly table: string;
  readonly runs: number;
  readonly warmups: number;
  /** Calibration networks (the first N of CALIBRATION_SEEDS; default all). */
  readonly calibrationNetworks?: number;
  /** Least time the calibration rounds span, minutes (--local; default CALIBRATION_MINUTES). */
  readonly calibrationMinutes?: number;
  /** Measure the table's calibration networks again and refit its correction (op entries kept). */
  readonly recalibrate?: boolean;
  /** Print the entries per part as JSON. */
  readonly json?: boolean;
}

/** Default table file of a preset and runtime. */
export function defaultTableFile(preset: string, runtime: BundleRuntime, threads: number): string {
  return `latency-${preset}-${runtime}-int8-t${threads}.json`;
}

export async function runProfileOps(o: ProfileOpsCliOptions): Promise<void> {
  const p = getPreset(o.preset);
  if (p.kind !== 'ms-ranas') throw new RanasError('E_CLI_OPTION', `--preset ${o.preset} is a ${p.kind} network; expected an MS-RANAS preset (its supernet has the op instances a table covers)`);
  const calibrationSeeds = calibrationSeedsFor(o.calibrationNetworks);
  const bridge = o.bridge;
  if (!o.local && !bridge) throw new RanasError('E_CLI_OPTION', 'profile-ops needs a device (--port or --host, with --key-file) or --local');
  if (!o.local && o.calibrationMinutes !== undefined) throw new RanasError('E_CLI_OPTION', `--calibration-minutes ${o.calibrationMinutes} spreads the calibration rounds measured on this machine; over the bridge the device profiles each calibration network once (expected --local, or drop --calibration-minutes)`);
  const { profileOps } = await import('../../../latency/profile-ops.ts');
  const quiet = process.env.RANAS_QUIET === '1';
  const t0 = Date.now();
  const measure = (device?: BridgeDevice) => profileOps({
    config: { ...p.config, nodes: o.nodes },
    configName: o.nodes === p.config.nodes ? o.preset : `${o.preset}-nodes${o.nodes}`,
    runtime: o.runtime,
    threads: o.threads,
    out: o.table,
    runs: o.runs,
    warmups: o.warmups,
    device,
    calibrationSeeds,
    calibrationMinutes: o.calibrationMinutes,
    recalibrate: o.recalibrate,
    log: quiet ? undefined : (l) => process.stderr.write(l + '\n'),
  });
  const table = o.local || !bridge ? await measure() : await withClient(bridge, (client) => measure({
    client, keyBytes: readKeyFile(bridge.keyFile), signingKey: readSigningKey(bridge.signingKeyFile), sliceMs: bridge.sliceMs,
  }));
  const byPart = new Map<string, number>();
  for (const e of table.entries) byPart.set(e.part, (byPart.get(e.part) ?? 0) + 1);
  printTable([...byPart].map(([part, entries]) => ({ part, entries })), {
    json: o.json,
    title: `${o.table}: ${table.entries.length}/${table.config.opModels} entries, ${table.runtime} int8, ${table.threads} thread(s), ${table.device}; ${((Date.now() - t0) / 1000).toFixed(0)} s; correction per segment ${table.correction?.segmentOverheadUs.map((c) => `${c.toFixed(1)} µs`).join(', ') ?? 'none'}`,
  });
}
