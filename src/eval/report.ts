/**
 * `report.json` and `report.svg`: the evaluations of one or more models, and the plot of their anytime and
 * budgeted-batch curves overlaid.
 */
import { writeFileAtomic, writeJsonAtomic } from '../run-folder.ts';
import type { ModelEvaluation } from './evaluate-model.ts';
import type { ReferenceCurve } from './reference-curves.ts';
import { renderPlotSvg, type PlotPoint } from './plot.ts';
import { evalReportHtml } from './report-html.ts';

/** Points of every model's curves and of the published reference curves, accuracy in percent. */
export function plotPoints(evals: ModelEvaluation[], references: ReferenceCurve[] = []): PlotPoint[] {
  const out: PlotPoint[] = [];
  for (const r of references) for (const p of r.points) out.push({ model: `${r.name} [published]`, curve: r.setting, mmacs: p.mmacs, accuracy: p.accuracy });
  for (const e of evals) {
    for (const p of e.anytime) out.push({ model: e.model, curve: 'anytime', mmacs: p.mmacs, accuracy: 100 * p.accuracy, exit: p.exit + 1 });
    for (const p of e.budgeted ?? []) out.push({ model: e.model, curve: 'budgeted', mmacs: p.mmacs, accuracy: 100 * p.accuracy });
  }
  return out;
}

/** JSON-safe copy (thresholds of ±Infinity become null). */
function jsonSafe(evals: ModelEvaluation[]): unknown {
  return JSON.parse(JSON.stringify(evals, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

/** The plot caption: test images per model, and where the budgeted thresholds come from. */
export function plotCaption(evals: readonly ModelEvaluation[]): string {
  const sizes = [...new Set(evals.map((e) => e.testImages))];
  const test = sizes.length === 1 ? `${sizes[0]} test images` : evals.map((e) => `${e.model}: ${e.testImages} test images`).join(', ');
  return `${test}; labels "exit k" mark the anytime points`;
}

/** What a report draws besides the models: the chance line (number of classes) and published curves. */
export interface ReportExtras {
  classes?: number;
  references?: ReferenceCurve[];
}

/** Writes `<base>.json`, `<base>.svg` and `<base>.html` (e.g. base = run/report). */
export async function writeReport(basePath: string, evals: ModelEvaluation[], title = 'accuracy vs MMACs', extras: ReportExtras = {}): Promise<{ json: string; svg: string; html: string }> {
  const references = extras.references ?? [];
  const json = `${basePath}.json`;
  const svg = `${basePath}.svg`;
  const html = `${basePath}.html`;
  const createdAt = new Date().toISOString();
  writeJsonAtomic(json, { createdAt, models: jsonSafe(evals), ...(references.length ? { references } : {}) });
  const plot = await renderPlotSvg(plotPoints(evals, references), { title, caption: plotCaption(evals), classes: extras.classes });
  writeFileAtomic(svg, plot);
  writeFileAtomic(html, evalReportHtml(evals, plot, title, createdAt));
  return { json, svg, html };
}
