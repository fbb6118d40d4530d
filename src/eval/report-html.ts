/**
 * `report.html` of `ranas eval`: one self-contained page (inline CSS and SVG, no scripts, no network) with
 * the plot, one table per model (exits from 1) and where every number comes from (test images, validation).
 */
import type { ModelEvaluation } from './evaluate-model.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 8px}th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}.note{color:#555}svg{max-width:100%;height:auto}`;

function modelSection(e: ModelEvaluation): string {
  const rows = e.exits.map((x) => `<tr><td class="n">${x.exit + 1}</td><td class="n">${x.layer}</td><td class="n">${x.mmacs.toFixed(3)}</td><td class="n">${(100 * x.top1).toFixed(2)}</td>${x.top5 === undefined ? '' : `<td class="n">${(100 * x.top5).toFixed(2)}</td>`}</tr>`).join('\n');
  const top5 = e.exits.some((x) => x.top5 !== undefined) ? '<th>top-5 %</th>' : '';
  const budgeted = e.budgeted && e.budgeted.length > 0
    ? `Budgeted batch: ${e.budgeted.length} points, ${e.budgeted[0].mmacs.toFixed(2)}–${e.budgeted[e.budgeted.length - 1].mmacs.toFixed(2)} MMACs per image → ${(100 * e.budgeted[0].accuracy).toFixed(2)}–${(100 * e.budgeted[e.budgeted.length - 1].accuracy).toFixed(2)} % top-1; thresholds chosen on ${esc(e.validation ?? 'a validation split')}.`
    : 'No validation split: no budgeted-batch evaluation.';
  return `<h2>${esc(e.model)}</h2>
<p class="note">${esc(e.source)} — ${e.testImages} test images; anytime area ${(100 * e.anytimeArea).toFixed(2)} %.</p>
<table><thead><tr><th>exit</th><th>layer</th><th>MMACs</th><th>top-1 %</th>${top5}</tr></thead><tbody>
${rows}
</tbody></table>
<p class="note">${budgeted}</p>`;
}

/** The page: `svg` is the plot (renderPlotSvg). */
export function evalReportHtml(evals: readonly ModelEvaluation[], svg: string, title: string, createdAt: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<figure>${svg}</figure>
${evals.map(modelSection).join('\n')}
<p class="note">MMACs = multiply-adds per image / 1e6 that the device pays to answer at the exit: the trunk up to it plus every classifier head up to it. Exits are numbered from 1 in order of cost. Created ${esc(createdAt)}.</p>
</body></html>
`;
}
