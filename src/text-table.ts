/**
 * Plain-text tables (CLI, demo report, benches): every command that prints a table prints the same rows as JSON with `--json`.
 */

/** One table row: column name → value. */
export type Row = Record<string, string | number | boolean | null>;

function cell(v: Row[string]): string {
  if (v === null) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3);
  return String(v);
}

/** Formats rows as an aligned text table (numbers right-aligned). */
export function formatTable(rows: Row[], columns: string[] = rows.length ? Object.keys(rows[0]) : []): string {
  const text = rows.map((r) => columns.map((c) => cell(r[c] ?? null)));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i].length)));
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] === null || r[c] === undefined));
  const fmt = (cells: string[]) =>
    cells.map((s, i) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(columns), fmt(widths.map((w) => '-'.repeat(w))), ...text.map(fmt)].join('\n');
}

/** Prints a table, or its rows as JSON when `json` is set. `title` is printed above text tables only. */
export function printTable(rows: Row[], opts: { json?: boolean; title?: string; columns?: string[] } = {}): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  if (opts.title) process.stdout.write(opts.title + '\n');
  process.stdout.write(formatTable(rows, opts.columns) + '\n');
}
