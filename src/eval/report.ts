/**
 * `report.json` and `report.svg`: the evaluations of one or more models, and the plot of their anytime and
 * budgeted-batch curves overlaid.
 */
import { writeFileAtomic, writeJsonAtomic } from '../run-folder.ts';
import type { ModelEvaluation } from './evaluate-model.ts';
import { renderPlotSvg, type PlotPoint } from './plot.ts';
import { evalReportHtml } from './report-html.ts';

/** Points of every model's curves, accuracy in percent. */
export function plotPoints(evals: ModelEvaluation[]): PlotPoint[] {
  const out: PlotPoint[] = [];
  for (const e of evals) {
    for (const p of e.anytime) out.push({ model: e.model, curve: 'anytime', mflops: p.mflops, accuracy: 100 * p.accuracy, exit: p.exit + 1 });
    for (const p of e.budgeted ?? []) out.push({ model: e.model, curve: 'budgeted', mflops: p.mflops, accuracy: 100 * p.accuracy });
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

/** Writes `<base>.json`, `<base>.svg` and `<base>.html` (e.g. base = run/report); `classes` draws the chance line. */
export async function writeReport(basePath: string, evals: ModelEvaluation[], title = 'accuracy vs MFLOPs', classes?: number): Promise<{ json: string; svg: string; html: string }> {
  const json = `${basePath}.json`;
  const svg = `${basePath}.svg`;
  const html = `${basePath}.html`;
  const createdAt = new Date().toISOString();
  writeJsonAtomic(json, { createdAt, models: jsonSafe(evals) });
  const plot = await renderPlotSvg(plotPoints(evals), { title, caption: plotCaption(evals), classes });
  writeFileAtomic(svg, plot);
  writeFileAtomic(html, evalReportHtml(evals, plot, title, createdAt));
  return { json, svg, html };
}
