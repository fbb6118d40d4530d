/**
 * `ranas device profile-ops --local [--preset tiny] [--nodes 2] [--runtime onnx|tflite] [--runtime-threads 1]
 * [--table FILE] [--runs N] [--warmups N]`: the latency table of a supernet config on this machine
 * (src/latency/profile-ops.ts). Resumable: rerunning with the same table file measures only what is missing.
 */
import type { BundleRuntime } from '../../../bundle-format/manifest.ts';
import { RanasError } from '../../../errors.ts';
import { getPreset } from '../../../model/presets.ts';
import { printTable } from '../../../text-table.ts';

/** Typed options of `device profile-ops`. */
export interface ProfileOpsCliOptions {
  readonly local: boolean;
  readonly preset: string;
  readonly nodes: number;
  readonly runtime: BundleRuntime;
  readonly threads: number;
  readonly table: string;
  readonly runs: number;
  readonly warmups: number;
}

/** Default table file of a preset and runtime. */
export function defaultTableFile(preset: string, runtime: BundleRuntime, threads: number): string {
  return `latency-${preset}-${runtime}-int8-t${threads}.json`;
}

export async function runProfileOps(o: ProfileOpsCliOptions): Promise<void> {
  if (!o.local) {
    throw new RanasError('E_CLI_OPTION', 'profile-ops over the bridge is not available yet (the protocol has no op-model message); run `ranas device profile-ops --local` on the device itself');
  }
  const p = getPreset(o.preset);
  if (p.kind !== 'ms-ranas') throw new RanasError('E_CLI_OPTION', `--preset ${o.preset} is a ${p.kind} network; expected an MS-RANAS preset (its supernet has the op instances a table covers)`);
  const { profileOps } = await import('../../../latency/profile-ops.ts');
  const quiet = process.env.RANAS_QUIET === '1';
  const t0 = Date.now();
  const table = await profileOps({
    config: { ...p.config, nodes: o.nodes },
    configName: o.nodes === p.config.nodes ? o.preset : `${o.preset}-nodes${o.nodes}`,
    runtime: o.runtime,
    threads: o.threads,
    out: o.table,
    runs: o.runs,
    warmups: o.warmups,
    log: quiet ? undefined : (l) => process.stderr.write(l + '\n'),
  });
  const byPart = new Map<string, number>();
  for (const e of table.entries) byPart.set(e.part, (byPart.get(e.part) ?? 0) + 1);
  printTable([...byPart].map(([part, entries]) => ({ part, entries })), {
    title: `${o.table}: ${table.entries.length}/${table.config.opModels} entries, ${table.runtime} int8, ${table.threads} thread(s), ${table.device}; ${((Date.now() - t0) / 1000).toFixed(0)} s; correction per segment ${table.correction?.segmentOverheadUs.map((c) => `${c.toFixed(1)} µs`).join(', ') ?? 'none'}`,
  });
}
