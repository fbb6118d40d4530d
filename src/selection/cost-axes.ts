/**
 * The cost axes `--select auc` draws its candidates' curves on: anytime MACs without a latency table, or the
 * latency the table's predictor gives each exit (segments 0..k summed; a segment runs its exit's head).
 */
import { basename } from 'node:path';
import { analyzeGraph } from '../ir/analysis.ts';
import type { ModelGraph } from '../ir/types.ts';
import { indexTable, predictSegments } from '../latency/predict-segments.ts';
import { readLatencyTable } from '../latency/table-file.ts';

/** The cost axis of the curves: per exit, what reaching it costs. */
export interface CostAxis {
  /** E.g. `predicted latency (ms, …)` or `anytime MMACs`. */
  label: string;
  perExit(graph: ModelGraph): number[];
}

/** Anytime MACs (trunk + every head up to the exit), in millions: the axis without a latency table. */
export const MACS_AXIS: CostAxis = {
  label: 'anytime MMACs (no latency table given)',
  perExit: (g) => analyzeGraph(g).exits.map((e) => e.anytimeMacs / 1e6),
};

/** Predicted latency to each exit, ms, from a table written by `ranas device profile-ops`. */
export function latencyAxis(file: string): CostAxis {
  const table = readLatencyTable(file);
  const index = indexTable(table, file);
  return {
    label: `predicted latency to the exit, ms (${basename(file)}: ${table.runtime} ${table.precision} x${table.threads} on ${table.device})`,
    perExit: (g) => {
      let total = 0;
      return predictSegments(g, index).map((p) => (total += p.predictedUs) / 1000);
    },
  };
}
