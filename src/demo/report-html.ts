/**
 * `runs/<name>/report.html`: one self-contained page (inline CSS and SVG, no scripts, no network) with the
 * run's data note, stage times, both tables and the three plots, viewable offline.
 */
import { formatCells, formatTable, type Row } from '../text-table.ts';
import { budgetRows, exitRows, pretrainedExitRows, stageRows, type DemoReport } from './demo-report.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);

function htmlTable(rows: Row[]): string {
  if (rows.length === 0) return '<p>(none)</p>';
  const cols = Object.keys(rows[0]);
  const head = cols.map((c) => `<th>${esc(c)}</th>`).join('');
  const cells = formatCells(rows, cols, '–');
  const body = rows.map((r, i) => `<tr>${cols.map((c, j) => `<td class="${typeof r[c] === 'number' ? 'n' : ''}">${esc(cells[i][j])}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 8px}th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}.note{color:#555}figure{margin:12px 0}svg{max-width:100%;height:auto}
pre{background:#f7f7f7;padding:8px;overflow:auto}`;

/** The shipped networks' sections: per exit (as shipped + this device's profile) and per budget. */
function pretrainedHtml(r: DemoReport): string {
  const runs = (r.pretrained?.runs ?? []).map((run) => `<h2>Shipped network: ${esc(run.info.name)}</h2>
<p>${esc(run.info.label)}; ${run.info.params} parameters, trained ${run.info.source.epochs} epochs (commit ${esc(run.info.source.commit)}). Flashed to its own local agent (${esc(run.bundle)}), swept over the same test images and budgets as the quick model above.</p>
${htmlTable(pretrainedExitRows(run))}
<p class="note">Top-1 as shipped: on ${run.info.testImages} test images (pretrained.json); latency: this device's profile.</p>
${htmlTable(budgetRows(run.device.sweep))}`);
  const skipped = (r.pretrained?.skipped ?? []).map((s) => `<p class="note">Shipped network not run: ${esc(s)}.</p>`);
  return [...runs, ...skipped].join('\n');
}

/** The page. `plots` are SVG strings (from `demoPlots`). */
export function reportHtml(r: DemoReport, plots: { anytime: string; budget: string; alpha: string; cells: string }): string {
  const d = r.device;
  const skipped = d.skipped.length > 0 ? `<p class="note">Not run (time limit): ${d.skipped.map((s) => `${s.policy} ${s.budgetUs} µs`).join(', ')}.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ranas demo ${esc(r.name)}</title><style>${CSS}</style></head>
<body>
<h1>ranas demo: ${esc(r.name)}${r.toy ? ' (toy size)' : ''}</h1>
<p><b>Data:</b> ${esc(r.data.which)} — ${esc(r.data.reason)}.</p>
<p><b>Search:</b> ${r.search.steps} steps on ${r.search.halves[0]} + ${r.search.halves[1]} images (weights + α), genotype ${esc(r.search.genotypeHash)}.
<b>Training:</b> ${r.train.steps} steps on ${r.train.trainImages} images. <b>Evaluation:</b> ${r.evalImages} test images.</p>
<p><b>Device:</b> ${esc(d.deviceName)} (agent ${esc(d.agentVersion)}) over ${esc(d.link)}; bundle ${esc(r.bundle)}, ${d.flash.sizeBytes} bytes,
sha256 ${esc(d.flash.sha256.slice(0, 16))}…, flash ${d.flash.alreadyActive ? 'skipped (already active)' : `${d.flash.seconds.toFixed(1)} s`}, verified: ${d.flash.verified ? 'yes' : 'NO'}.</p>
<h2>Per exit</h2>
${htmlTable(exitRows(r))}
<p class="note">Top-1 on the same ${r.evalImages} test images: fp32 in the tfjs engine, int8 in TFLite 2.9 (monolithic model). Latencies: the agent's profile of each segment (${d.profile.segments[0]?.runs ?? 0} runs on ${esc(d.profile.device)}).</p>
<figure>${plots.anytime}</figure>
<h2>Per budget (${esc(d.link)})</h2>
${htmlTable(budgetRows(d.sweep))}
${skipped}
<p class="note">Times are the agent's own (InferResult.totalUs); a miss is an answer the agent reports as not met (total &gt; budget). Accuracy here is on ${d.sweep[0]?.requests ?? 0} test images per budget and policy; the per-exit table uses ${r.evalImages}.</p>
<figure>${plots.budget}</figure>
${pretrainedHtml(r)}
<h2>Search</h2>
<figure>${plots.alpha}</figure>
<figure>${plots.cells}</figure>
<h2>Stage times</h2>
${htmlTable(stageRows(r.stages))}
<p class="note">Total ${r.totalSeconds.toFixed(1)} s. Created ${esc(r.createdAt)}.</p>
<h2>Tables as text</h2>
<pre>${esc(formatTable(exitRows(r)))}\n\n${esc(formatTable(budgetRows(d.sweep)))}</pre>
</body></html>
`;
}
