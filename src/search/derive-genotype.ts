/**
 * Discretisation of the architecture parameters into a genotype (DARTS `genotype()`), as a pure function.
 *
 * Per cell kind, alpha is [edges, primitives] with rows numbered node by node over the full topology (node i
 * reads states 0 .. 1+i; `edgeRow` in `src/model/supernet.ts`) and columns in `PRIMITIVE_NAMES` order.
 * For each intermediate node: softmax every incoming row; an edge's strength is its largest non-`none`
 * weight; keep the two strongest edges, each with its argmax non-`none` op.
 *
 * Ties (deterministic, as DARTS's stable `sorted` and first-max `argmax`): between edges of equal strength the
 * one reading the lower state index wins; between ops of equal weight the one earlier in `PRIMITIVE_NAMES`.
 * `none` never appears in a genotype, even when it has the largest weight on an edge.
 *
 * Optional skip cap (`maxSkip`, guard against the collapse to parameter-free ops, as P-DARTS): while a cell
 * holds more than `maxSkip` skip_connect edges, the chosen skip edge with the lowest weight has skip_connect
 * struck from its row and the cell is derived again (so that edge may change op or lose its place).
 */
import { RanasError } from '../errors.ts';
import type { CellKind, Genotype, GenotypeEdge } from '../model/genotype.ts';
import { PRIMITIVE_NAMES, PRIMITIVES, type PrimitiveName } from '../ops/primitives.ts';

/** Architecture parameters of both cell kinds: rows = edges (node-major), columns = `PRIMITIVE_NAMES`. */
export type AlphaMatrices = Record<CellKind, number[][]>;

/** Softmax of one row (float64). */
export function softmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Rows of alpha a cell with `nodes` intermediate nodes has (2 + 3 + ... + (nodes + 1)). */
export function alphaRows(nodes: number): number {
  return (nodes * (nodes + 3)) / 2;
}

/** Intermediate nodes implied by a row count (inverse of `alphaRows`); RanasError when none fits. */
export function nodesOfRows(rows: number): number {
  for (let n = 1; alphaRows(n) <= rows; n++) if (alphaRows(n) === rows) return n;
  throw new RanasError('E_SEARCH_ALPHA', `alpha has ${rows} rows; expected 2 + 3 + … + (n + 1) rows for some node count n`);
}

interface Choice { op: PrimitiveName; from: number; weight: number }

const SKIP: PrimitiveName = 'skip_connect';

function deriveCell(alpha: number[][], struck: Set<string>): Choice[][] {
  if (alpha.some((r) => r.length !== PRIMITIVE_NAMES.length)) {
    throw new RanasError('E_SEARCH_ALPHA', `alpha rows must have ${PRIMITIVE_NAMES.length} columns (${PRIMITIVE_NAMES.join(', ')})`);
  }
  const nodes = nodesOfRows(alpha.length);
  const out: Choice[][] = [];
  let row = 0;
  for (let node = 0; node < nodes; node++) {
    const edges: Choice[] = [];
    for (let from = 0; from < 2 + node; from++, row++) {
      const w = softmax(alpha[row]);
      let best: Choice | null = null;
      for (const [k, op] of PRIMITIVE_NAMES.entries()) {
        if (PRIMITIVES[op].isZero || struck.has(`${row}:${op}`)) continue;
        if (best === null || w[k] > best.weight) best = { op, from, weight: w[k] };
      }
      if (best) edges.push(best);
    }
    // Stable sort: equal strengths keep the lower `from` first.
    const kept = [...edges].sort((a, b) => b.weight - a.weight).slice(0, 2).sort((a, b) => a.from - b.from);
    if (kept.length < 2) throw new RanasError('E_SEARCH_ALPHA', `node ${node} has fewer than two usable incoming edges`);
    out.push(kept);
  }
  return out;
}

function rowOf(node: number, from: number): number {
  return alphaRows(node) + from;
}

/** Derives one cell's edges (two per node, node order, lower source first within a node). */
export function deriveCellEdges(alpha: number[][], maxSkip = Infinity, strike: ReadonlySet<string> = new Set()): GenotypeEdge[] {
  const struck = new Set<string>(strike);
  for (;;) {
    const cell = deriveCell(alpha, struck);
    const skips = cell.flatMap((edges, node) => edges.filter((e) => e.op === SKIP).map((e) => ({ node, e })));
    if (skips.length <= maxSkip) return cell.flat().map((c): GenotypeEdge => [c.op, c.from]);
    const weakest = skips.reduce((a, b) => (b.e.weight < a.e.weight ? b : a));
    struck.add(`${rowOf(weakest.node, weakest.e.from)}:${SKIP}`);
  }
}

/** Derives the genotype from both alphas; every intermediate node is concatenated into the cell output. */
export function deriveGenotype(alphas: AlphaMatrices, o: { maxSkip?: number } = {}): Genotype {
  const maxSkip = o.maxSkip ?? Infinity;
  const normal = deriveCellEdges(alphas.normal, maxSkip);
  const reduce = deriveCellEdges(alphas.reduce, maxSkip);
  const concat = (n: number) => Array.from({ length: n / 2 }, (_, i) => 2 + i);
  return { normal, normalConcat: concat(normal.length), reduce, reduceConcat: concat(reduce.length) };
}

/** Mean entropy (nats) of softmax(alpha) over the rows of one matrix; ln(8) ≈ 2.079 for uniform rows. */
export function meanEntropy(alpha: number[][]): number {
  const h = alpha.map((r) => -softmax(r).reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0));
  return h.reduce((a, b) => a + b, 0) / Math.max(h.length, 1);
}

/** Reshapes a flat row-major alpha into rows of `PRIMITIVE_NAMES.length`. */
export function alphaRowsOf(flat: ArrayLike<number>): number[][] {
  const k = PRIMITIVE_NAMES.length;
  if (flat.length % k !== 0) throw new RanasError('E_SEARCH_ALPHA', `alpha has ${flat.length} values; expected a multiple of ${k}`);
  return Array.from({ length: flat.length / k }, (_, r) => Array.from({ length: k }, (_, c) => flat[r * k + c]));
}

/** Sum of the softmax weights of a cell's chosen ops on their rows: how strongly the alphas back the cell. */
export function cellSupport(alpha: number[][], edges: readonly GenotypeEdge[]): number {
  return edges.reduce((sum, [op, from], i) => sum + softmax(alpha[rowOf(Math.floor(i / 2), from)])[PRIMITIVE_NAMES.indexOf(op)], 0);
}

/** A derived genotype and how much alpha support it gives up against the top choice (0 for the top). */
export interface GenotypeCandidate {
  genotype: Genotype;
  /** Support of the top genotype minus this one's (sum over both cells of the chosen ops' softmax weights). */
  supportDrop: number;
  /** What differs from the top choice, e.g. `normal node 1: sep_conv_3x3 from 0 → skip_connect from 0`. */
  change: string;
}

/**
 * The top genotype and its nearest alternatives: for every chosen (op, input) of either cell, that op is
 * struck from its row and the cell derived again; the distinct results are ranked by the alpha support they
 * give up. Returns at most `count` candidates, the top first.
 */
export function nearestGenotypes(alphas: AlphaMatrices, count: number, o: { maxSkip?: number } = {}): GenotypeCandidate[] {
  const maxSkip = o.maxSkip ?? Infinity;
  const top = deriveGenotype(alphas, o);
  const support = (g: Genotype) => cellSupport(alphas.normal, g.normal) + cellSupport(alphas.reduce, g.reduce);
  const seen = new Set([JSON.stringify(top)]);
  const alternatives: GenotypeCandidate[] = [];
  for (const kind of ['normal', 'reduce'] as const) {
    top[kind].forEach(([op, from], i) => {
      const node = Math.floor(i / 2);
      const edges = deriveCellEdges(alphas[kind], maxSkip, new Set([`${rowOf(node, from)}:${op}`]));
      const g: Genotype = { ...top, [kind]: edges };
      const key = JSON.stringify(g);
      if (seen.has(key)) return;
      seen.add(key);
      alternatives.push({ genotype: g, supportDrop: support(top) - support(g), change: cellChange(kind, top[kind], edges) });
    });
  }
  alternatives.sort((a, b) => a.supportDrop - b.supportDrop);
  return [{ genotype: top, supportDrop: 0, change: 'top choice' }, ...alternatives].slice(0, Math.max(1, count));
}

/** What differs between two derivations of one cell, node by node: `normal node 1: −max_pool_3x3 from 0, +skip_connect from 2`. */
function cellChange(kind: CellKind, from: readonly GenotypeEdge[], to: readonly GenotypeEdge[]): string {
  const key = (e: GenotypeEdge) => `${e[0]} from ${e[1]}`;
  const parts: string[] = [];
  for (let node = 0; node < from.length / 2; node++) {
    const a = from.slice(2 * node, 2 * node + 2).map(key);
    const b = to.slice(2 * node, 2 * node + 2).map(key);
    const diff = [...a.filter((x) => !b.includes(x)).map((x) => `−${x}`), ...b.filter((x) => !a.includes(x)).map((x) => `+${x}`)];
    if (diff.length > 0) parts.push(`${kind} node ${node}: ${diff.join(', ')}`);
  }
  return parts.join('; ');
}

