/**
 * `ranas search --latency-table T --exit-targets-ms a,b,c`: the per-exit latency targets of the one-shot
 * search (src/latency/exit-targets.ts) wired into a search run — the table checked against the supernet
 * config, the Lagrangian's gradient added to every alpha step, and the derived genotype checked against the
 * targets with the predictor before anyone trains it (`latency-check.json` in the run folder).
 */
import type { LatencyTable } from '../bundle-format/latency-table.ts';
import { RanasError } from '../errors.ts';
import type { Genotype } from '../model/genotype.ts';
import { buildMsRanas, type MsRanasConfig } from '../model/ms-ranas.ts';
import { ALPHA_NAMES } from '../model/supernet.ts';
import { exitLatencyModel, expectedExitUs } from '../latency/expected-latency.ts';
import { ExitLatencyConstraint } from '../latency/exit-targets.ts';
import { exitTargetsUs } from '../latency/parse-targets.ts';
import { latencyConfigHash } from '../latency/op-models.ts';
import { indexTable, predictSegments, type TableIndex } from '../latency/predict-segments.ts';
import { checkTableMatches, readLatencyTable } from '../latency/table-file.ts';

/** A search's latency targets, ready to run. */
export interface LatencyTargets {
  table: LatencyTable;
  tableFile: string;
  index: TableIndex;
  targetsUs: (number | null)[];
  constraint: ExitLatencyConstraint;
  /** The last constraint step (expected latency per exit and the multipliers). */
  last: { expectedUs: number[]; lambdas: number[] } | null;
}

/** Reads the table, checks it covers `config`, and builds the constraint; undefined without a table. */
export function setupLatencyTargets(tableFile: string | undefined, targetsMs: readonly number[] | undefined, config: MsRanasConfig, configName: string): LatencyTargets | undefined {
  if (tableFile === undefined) {
    if (targetsMs !== undefined) throw new RanasError('E_LATENCY_TARGETS', '--exit-targets-ms needs --latency-table (the latency of the ops comes from a measured table)');
    return undefined;
  }
  if (targetsMs === undefined) throw new RanasError('E_LATENCY_TARGETS', `--latency-table ${tableFile} without --exit-targets-ms; expected the targets in milliseconds`);
  const table = readLatencyTable(tableFile);
  checkTableMatches(table, { configHash: latencyConfigHash(config), configName }, tableFile);
  const index = indexTable(table, tableFile);
  const targetsUs = exitTargetsUs(targetsMs, config.exitLayers.length);
  return { table, tableFile, index, targetsUs, constraint: new ExitLatencyConstraint(exitLatencyModel(config, index), targetsUs), last: null };
}

/** The alpha penalty of the search loop: the Lagrangian's gradient by alpha name (records the step). */
export function latencyPenalty(t: LatencyTargets): (alphas: ReadonlyMap<string, Float32Array>) => ReadonlyMap<string, ArrayLike<number>> {
  return (alphas) => {
    const flat = { normal: alphas.get(ALPHA_NAMES.normal) ?? new Float32Array(), reduce: alphas.get(ALPHA_NAMES.reduce) ?? new Float32Array() };
    const s = t.constraint.step(flat);
    t.last = { expectedUs: s.expectedUs, lambdas: s.lambdas };
    return new Map([[ALPHA_NAMES.normal, s.grads.normal], [ALPHA_NAMES.reduce, s.grads.reduce]]);
  };
}

/** Expected latency per exit of the supernet at `alphas`, µs. */
export function supernetExpectedUs(t: LatencyTargets, alphas: ReadonlyMap<string, ArrayLike<number>>): number[] {
  return expectedExitUs(t.constraint.model, { normal: alphas.get(ALPHA_NAMES.normal) ?? [], reduce: alphas.get(ALPHA_NAMES.reduce) ?? [] });
}

/** The predictor's check of a derived genotype against the targets. */
export interface LatencyCheck {
  table: string;
  /** Predicted latency of answering at each exit (segments 0..k), µs. */
  predictedExitUs: number[];
  targetsUs: (number | null)[];
  /** Per exit: predicted ≤ target (true for an unconstrained exit). */
  meets: boolean[];
}

/** Predicts the derived network's exit latencies and compares them with the targets. */
export function checkDerivedGenotype(t: LatencyTargets, genotype: Genotype, config: MsRanasConfig): LatencyCheck {
  const segments = predictSegments(buildMsRanas(genotype, config, 'derived'), t.index);
  const predictedExitUs = segments.map((_, k) => segments.slice(0, k + 1).reduce((s, x) => s + x.predictedUs, 0));
  return { table: t.tableFile, predictedExitUs, targetsUs: t.targetsUs, meets: predictedExitUs.map((us, k) => t.targetsUs[k] === null || us <= (t.targetsUs[k] ?? Infinity)) };
}
