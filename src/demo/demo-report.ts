/**
 * The demo report (`report.json`): what ran, on which data, how long each stage took, the per-exit table
 * (MMACs, params, fp32 and int8 top-1, agent-profiled latency), the per-budget table and the α evolution;
 * and the text-table rows the CLI prints from it.
 */
import type { Row } from '../text-table.ts';
import type { AnytimePoint } from '../eval/anytime-curve.ts';
import type { BudgetSummary } from './budget-sweep.ts';
import type { DeviceRun } from './device-run.ts';
import type { PretrainedOutcome, PretrainedRun } from './pretrained-run.ts';
import type { StageTime } from './stage.ts';

/** One row of the per-exit table. */
export interface ExitRow {
  exit: number;
  layer: number;
  mmacs: number;
  params: number;
  /** Top-1 in [0, 1] on the eval subset: tfjs engine (fp32), TFLite 2.9 (int8, null when not measured). */
  fp32Top1: number;
  int8Top1: number | null;
  /** The agent's profile of the segment ending in this exit, µs. */
  segmentP50Us: number;
  segmentP99Us: number;
  /** Sum of the segment p99s up to this exit, µs. */
  cumulativeP99Us: number;
}

/** Mean softmax weight of one primitive over the edges of one cell kind at the end of one search epoch. */
export interface AlphaPoint {
  epoch: number;
  cell: 'normal' | 'reduce';
  primitive: string;
  weight: number;
}

/** Everything `runs/<name>/report.json` holds. */
export interface DemoReport {
  name: string;
  createdAt: string;
  toy: boolean;
  data: { which: string; reason: string };
  options: Record<string, unknown>;
  stages: StageTime[];
  totalSeconds: number;
  search: { runDir: string; genotypePath: string; genotypeHash: string; steps: number; halves: [number, number] };
  train: { runDir: string; modelDir: string; steps: number; trainImages: number };
  evalImages: number;
  exits: ExitRow[];
  anytime: { fp32: AnytimePoint[]; int8: AnytimePoint[] };
  anytimeArea: number;
  alphaEvolution: AlphaPoint[];
  device: DeviceRun;
  bundle: string;
  /** The networks ranas ships (models/pretrained), flashed beside the quick model (absent in older reports). */
  pretrained?: PretrainedOutcome;
}

const pct = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(1000 * x) / 10);

/** Rows of the per-exit table. */
export function exitRows(r: DemoReport): Row[] {
  return r.exits.map((e) => ({
    exit: e.exit + 1, layer: e.layer, MMACs: e.mmacs, params: e.params,
    'fp32 top-1 %': pct(e.fp32Top1), 'int8 top-1 %': pct(e.int8Top1),
    'seg p50 µs': Math.round(e.segmentP50Us), 'seg p99 µs': Math.round(e.segmentP99Us), 'cum p99 µs': Math.round(e.cumulativeP99Us),
  }));
}

/** Rows of a shipped network's per-exit table: its stated test accuracy and this device's profile. */
export function pretrainedExitRows(run: PretrainedRun): Row[] {
  let cum = 0;
  return run.info.exits.map((e, k) => {
    const seg = run.device.profile.segments[k];
    cum += seg?.p99Us ?? NaN;
    return {
      exit: e.exit, MMACs: Math.round(e.anytimeMacs / 1e4) / 100, 'fp32 top-1 %': pct(e.fp32Top1),
      'int8 top-1 %': pct(run.bundle.startsWith('onnx') ? e.int8OnnxTop1 : e.int8TfliteTop1),
      'seg p50 µs': Math.round(seg?.p50Us ?? NaN), 'seg p99 µs': Math.round(seg?.p99Us ?? NaN), 'cum p99 µs': Math.round(cum),
    };
  });
}

/** Rows of the per-budget table. */
export function budgetRows(sweep: readonly BudgetSummary[]): Row[] {
  return sweep.map((s) => ({
    policy: s.policy, 'budget µs': s.budgetUs,
    'exits reached (1/2/…)': s.exitCounts.join('/'),
    'top-1 %': pct(s.accuracy), 'p50 µs': Math.round(s.p50Us), 'p99 µs': Math.round(s.p99Us),
    misses: `${s.misses}/${s.requests}`,
  }));
}

/** Rows of the stage-time table. */
export function stageRows(stages: readonly StageTime[]): Row[] {
  return stages.map((s) => ({ stage: s.stage, seconds: Math.round(10 * s.seconds) / 10, 'CPU s': Math.round(10 * s.cpuSeconds) / 10, status: s.status }));
}
