/**
 * `report.json` and `report.svg`: the evaluations of one or more models, and the plot of their anytime and
 * budgeted-batch curves overlaid.
 */
import { writeFileAtomic, writeJsonAtomic } from '../run-folder.ts';
import type { ModelEvaluation } from './evaluate-model.ts';
import type { ReferenceCurve } from './reference-curves.ts';
import { renderPlotSvg, type PlotPoint } from './plot.ts';

/** Points of every model's curves and of the published reference curves, accuracy in percent. */
export function plotPoints(evals: ModelEvaluation[], references: ReferenceCurve[] = []): PlotPoint[] {
  const out: PlotPoint[] = [];
  for (const r of references) for (const p of r.points) out.push({ model: `${r.name} [published]`, curve: r.setting, mmacs: p.mmacs, accuracy: p.accuracy });
  for (const e of evals) {
    for (const p of e.anytime) out.push({ model: e.model, curve: 'anytime', mmacs: p.mmacs, accuracy: 100 * p.accuracy });
    for (const p of e.budgeted ?? []) out.push({ model: e.model, curve: 'budgeted', mmacs: p.mmacs, accuracy: 100 * p.accuracy });
  }
  return out;
}

/** JSON-safe copy (thresholds of ±Infinity become null). */
function jsonSafe(evals: ModelEvaluation[]): unknown {
  return JSON.parse(JSON.stringify(evals, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

/** Writes `<base>.json` and `<base>.svg` (e.g. base = run/report). */
export async function writeReport(basePath: string, evals: ModelEvaluation[], title = 'accuracy vs MMACs', references: ReferenceCurve[] = []): Promise<{ json: string; svg: string }> {
  const json = `${basePath}.json`;
  const svg = `${basePath}.svg`;
  writeJsonAtomic(json, { createdAt: new Date().toISOString(), models: jsonSafe(evals), ...(references.length ? { references } : {}) });
  writeFileAtomic(svg, await renderPlotSvg(plotPoints(evals, references), title));
  return { json, svg };
}
