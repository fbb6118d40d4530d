/**
 * A picture of the searched cells, drawn from the genotype alone (no layout library): for each cell kind the
 * two inputs c_{k-2} and c_{k-1} on the left, the intermediate nodes in order, the output c_k on the right;
 * an arrow per genotype edge labelled with its operation, dotted arrows for the states concatenated into the
 * output. Self-contained SVG (inline styles, no scripts).
 */
import type { CellKind, Genotype } from './genotype.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);

/** Colour of each operation family (the label names the exact op). */
const OP_COLOURS: Record<string, string> = {
  sep_conv: '#1f77b4', dil_conv: '#9467bd', max_pool: '#d62728', avg_pool: '#ff7f0e', skip_connect: '#2ca02c',
};
const colourOf = (op: string): string => OP_COLOURS[Object.keys(OP_COLOURS).find((k) => op.startsWith(k)) ?? ''] ?? '#555';

/** Heights of successive intermediate nodes between the two inputs (0 = c_{k-2}'s row, 1 = c_{k-1}'s): off the lines joining earlier states. */
const NODE_ROWS = [0.5, 0.1, 0.9, 0.3, 0.7];

const TITLES: Record<CellKind, string> = { normal: 'normal cell', reduce: 'reduction cell (stride 2 on edges from the inputs)' };

/** SVG of one cell kind at the origin; returns its markup and size. */
function cellSvg(g: Genotype, kind: CellKind, dy: number): { svg: string; height: number } {
  const edges = g[kind];
  const concat = kind === 'normal' ? g.normalConcat : g.reduceConcat;
  const nodes = edges.length / 2;
  const colW = 190;
  const rowH = 64;
  const height = Math.max(2, nodes) * rowH + 70;
  // State positions: inputs 0 and 1 in column 0, node i in column 1 + i, output after the last node.
  const pos = (state: number): { x: number; y: number } => state < 2
    ? { x: 60, y: dy + 60 + state * (height - 100) }
    : { x: 60 + colW * (state - 1), y: dy + 60 + NODE_ROWS[(state - 2) % NODE_ROWS.length] * (height - 100) };
  const out = { x: 60 + colW * (nodes + 1), y: dy + height / 2 - 10 };
  const parts: string[] = [`<text x="10" y="${dy + 18}" font-size="15" font-weight="600">${esc(TITLES[kind])}</text>`];
  // Quadratic curves: an edge that skips columns bows away from the nodes it passes (up or down by parity),
  // so edges and labels do not lie on top of each other; the label sits at the curve's midpoint.
  const curve = (a: { x: number; y: number }, b: { x: number; y: number }, bow: number) => {
    const x1 = a.x + 30;
    const x2 = b.x - 32;
    const len = Math.hypot(x2 - x1, b.y - a.y) || 1;
    const cx = (x1 + x2) / 2 + (-(b.y - a.y) / len) * bow;
    const cy = (a.y + b.y) / 2 + ((x2 - x1) / len) * bow;
    return { d: `M${x1},${a.y} Q${cx.toFixed(1)},${cy.toFixed(1)} ${x2},${b.y}`, mid: { x: (x1 + 2 * cx + x2) / 4, y: (a.y + 2 * cy + b.y) / 4 } };
  };
  const column = (state: number) => (state < 2 ? 0 : state - 1);
  // Labels go on top of everything (drawn after the nodes), so a node never hides one.
  const labels: string[] = [];
  edges.forEach(([op, from], i) => {
    const to = 2 + Math.floor(i / 2);
    const span = column(to) - column(from);
    const c = curve(pos(from), pos(to), span > 1 ? (i % 2 === 0 ? -1 : 1) * 45 * (span - 1) : 0);
    const colour = colourOf(op);
    parts.push(`<path d="${c.d}" fill="none" stroke="${colour}" stroke-width="2" marker-end="url(#arrow-${colour.slice(1)})"/>`);
    labels.push(`<text x="${c.mid.x.toFixed(1)}" y="${(c.mid.y + 4).toFixed(1)}" font-size="12" fill="${colour}" text-anchor="middle" paint-order="stroke" stroke="#fff" stroke-width="4">${esc(op)}</text>`);
  });
  for (const st of concat) parts.push(`<path d="${curve(pos(st), out, 0).d}" fill="none" stroke="#888888" stroke-width="1.5" stroke-dasharray="3 4" marker-end="url(#arrow-888888)"/>`);
  const node = (p: { x: number; y: number }, label: string, fill: string) =>
    `<rect x="${p.x - 30}" y="${p.y - 16}" width="60" height="32" rx="8" fill="${fill}" stroke="#333"/><text x="${p.x}" y="${p.y + 5}" font-size="13" text-anchor="middle">${esc(label)}</text>`;
  parts.push(node(pos(0), 'c_{k-2}', '#e8f0fe'), node(pos(1), 'c_{k-1}', '#e8f0fe'));
  for (let i = 0; i < nodes; i++) parts.push(node(pos(2 + i), `node ${i}`, '#fff7d6'));
  parts.push(node(out, 'c_{k}', '#e6f4ea'));
  parts.push(...labels);
  return { svg: parts.join('\n'), height };
}

/** The normal and reduction cells of `g` as one SVG; `title` goes on top (e.g. the genotype hash). */
export function cellDiagramSvg(g: Genotype, title: string): string {
  const nodes = Math.max(g.normal.length, g.reduce.length) / 2;
  const width = 60 + 190 * (nodes + 1) + 80;
  const normal = cellSvg(g, 'normal', 40);
  const reduce = cellSvg(g, 'reduce', 40 + normal.height + 20);
  const height = 40 + normal.height + 20 + reduce.height + 44;
  const colours = [...new Set([...Object.values(OP_COLOURS), '#555', '#888888'])];
  const markers = colours.map((c) => `<marker id="arrow-${c.slice(1)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${c}"/></marker>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui,sans-serif">
<defs>${markers}</defs>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="16" font-weight="700">${esc(title)}</text>
${normal.svg}
${reduce.svg}
<text x="10" y="${height - 24}" font-size="12" fill="#555">Solid arrows: the genotype's two chosen operations per node (colour = operation family).</text>
<text x="10" y="${height - 8}" font-size="12" fill="#555">Dotted grey arrows: the states concatenated into the cell output c_{k}.</text>
</svg>
`;
}
