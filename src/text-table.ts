/**
 * Plain-text tables (CLI, demo report, benches): every command that prints a table prints the same rows as JSON with `--json`.
 */

/** One table row: column name → value. */
export type Row = Record<string, string | number | boolean | null>;

/** Decimals a number needs as tables show it (at most 1 from 100 up, else 3; trailing zeros dropped). */
function decimalsOf(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return 0;
  const s = v.toFixed(Math.abs(v) >= 100 ? 1 : 3).replace(/0+$/, '');
  return s.length - s.indexOf('.') - 1;
}

/**
 * Every cell of `rows` as text; the numbers of a column share one number of decimals, the most any of them
 * needs (23.7 beside 25 prints 25.0, not 25 beside 23.700). `nullText` stands for a missing value.
 */
export function formatCells(rows: readonly Row[], columns: readonly string[], nullText = '-'): string[][] {
  const decimals = columns.map((c) => Math.max(0, ...rows.map((r) => { const v = r[c]; return typeof v === 'number' ? decimalsOf(v) : 0; })));
  return rows.map((r) => columns.map((c, i) => {
    const v = r[c] ?? null;
    if (v === null) return nullText;
    return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(decimals[i]) : String(v);
  }));
}

/** Formats rows as an aligned text table (numbers right-aligned). */
export function formatTable(rows: Row[], columns: string[] = rows.length ? Object.keys(rows[0]) : []): string {
  const text = formatCells(rows, columns);
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
