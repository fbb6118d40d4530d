/**
 * How much two latency tables of the same config disagree, entry by entry (issue 18: the noise a table
 * freezes in). Prints, for the op entries and the calibration entries separately, the ratio A / B of their
 * p50s: median, 5th and 95th percentile, extremes, and the share within ±10 %.
 *
 *   node --import tsx bench/latency-table-compare.ts A.json B.json
 * (tables from `ranas device profile-ops`, e.g. two `--local` runs back to back, or a bridge and a local one)
 */
import { formatTable } from '../src/text-table.ts';
import { RanasError } from '../src/errors.ts';
import { readLatencyTable } from '../src/latency/table-file.ts';

const [fileA, fileB] = process.argv.slice(2);
if (!fileA || !fileB) throw new RanasError('E_CLI_ARG', 'expected two latency table files: A.json B.json');
const a = readLatencyTable(fileA);
const b = readLatencyTable(fileB);
if (a.config.hash !== b.config.hash) throw new RanasError('E_LATENCY_CONFIG', `${fileA} covers config ${a.config.name} (${a.config.hash}), ${fileB} ${b.config.name} (${b.config.hash}); expected the same config`);
const bKeys = new Map(b.entries.map((e) => [e.key, e.p50Us]));
const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
const rows = (['op', 'calibration'] as const).map((kind) => {
  const r = a.entries.filter((e) => (e.part === 'calibration') === (kind === 'calibration') && bKeys.has(e.key))
    .map((e) => e.p50Us / (bKeys.get(e.key) ?? NaN)).sort((x, y) => x - y);
  return {
    entries: kind, n: r.length, median: at(r, 0.5), p5: at(r, 0.05), p95: at(r, 0.95), min: r[0] ?? NaN, max: r.at(-1) ?? NaN,
    'within ±10 %': `${((100 * r.filter((x) => Math.abs(x - 1) <= 0.1).length) / Math.max(1, r.length)).toFixed(1)} %`,
  };
});
console.log(`p50 ratio ${fileA} (${a.device}, ${a.runs} runs, measured ${a.createdAt}) / ${fileB} (${b.device}, ${b.runs} runs, measured ${b.createdAt})`);
console.log(formatTable(rows));
