/**
 * The supernet's expected latency per exit (issue 18, part 2), for the one-shot search: a differentiable
 * function of the alphas built from a latency table.
 *
 *   E_k(α) = F_k + Σ over cells in segments 0..k, over their edges e:  ι_e · Σ_{p ≠ none} w_p(α_e) · t(p, e)
 *
 * - t(p, e): the predicted own time of primitive p at edge e's shape and stride (`correctedOpUs`: the table's
 *   time with the learned share of its primitive; 0 for none and for skip_connect at stride 1, the identity);
 * - w(α_e): softmax over the non-`none` primitives of the edge's alpha row — the derived genotype never holds
 *   `none` (it takes the argmax non-none op), so `none` must not buy latency;
 * - ι_e = 2 / (incoming edges of e's node): the derived genotype keeps 2 of node i's 2 + i edges;
 * - F_k: everything that does not depend on the alphas (grid pieces, cell preprocessing, sums, concats, heads,
 *   segment overheads and the learned correction), cumulated over segments 0..k: the predictor's exit
 *   latency of a reference genotype minus its edges.
 * Cells of both kinds share one alpha set each, so an alpha row collects the terms of every cell of its kind.
 */
import type { CellKind } from '../model/genotype.ts';
import type { ModelGraph } from '../ir/types.ts';
import { validateGraph } from '../ir/validate.ts';
import { buildMsRanas, type MsRanasConfig } from '../model/ms-ranas.ts';
import { fullCellPlan } from '../model/cell.ts';
import { edgeRow } from '../model/supernet.ts';
import { PRIMITIVE_NAMES, PRIMITIVES } from '../ops/primitives.ts';
import { foldBatchNorm } from '../../converters/passes/fold-batch-norm.ts';
import { fuseRelu } from '../../converters/passes/fuse-relu.ts';
import { cutSegments } from '../../converters/segments.ts';
import { opInstances, opKey } from './op-instances.ts';
import { uniformGenotype } from './op-models.ts';
import { correctedOpUs, predictPreparedSegments, type TableIndex } from './predict-segments.ts';

/** One alpha row's contribution to the exits from its segment on. */
export interface EdgeTerm {
  /** Segment (exit index) the cell sits in: the term counts for this exit and every later one. */
  segment: number;
  kind: CellKind;
  row: number;
  /** ι: expected share of this edge in the derived genotype. */
  inclusion: number;
  /** Own time of each primitive (PRIMITIVE_NAMES order) at this edge, µs; none = 0. */
  costUs: number[];
}

/** The expected-latency model of a supernet config. */
export interface ExitLatencyModel {
  /** F_k: alpha-independent cumulative latency of each exit, µs. */
  fixedUs: number[];
  edges: EdgeTerm[];
}

const isNone = PRIMITIVE_NAMES.map((p) => PRIMITIVES[p].isZero);

/** Own time of primitive `p` on an edge reading `inShape` at `stride` (0 for none and the stride-1 identity). */
function edgeCostUs(index: TableIndex, p: (typeof PRIMITIVE_NAMES)[number], inShape: number[], stride: 1 | 2): number {
  if (PRIMITIVES[p].isZero || (p === 'skip_connect' && stride === 1)) return 0;
  const out = stride === 2 ? [inShape[0] / 2, inShape[1] / 2, inShape[2]] : inShape;
  const shapes = new Map([['in', inShape], ['out', out]]);
  return correctedOpUs(index, { key: opKey('edge', p, [inShape], [out]), inputs: ['in'], outputs: ['out'] }, shapes);
}

/** Builds the model for `config` from a table index (every edge key of the config must be in the table). */
export function exitLatencyModel(config: MsRanasConfig, index: TableIndex): ExitLatencyModel {
  // Reference network: every edge a skip_connect (identity at stride 1), so the fixed parts stand out.
  const graph: ModelGraph = buildMsRanas(uniformGenotype('skip_connect', config.nodes), config, 'latency-reference');
  const prepared = fuseRelu(foldBatchNorm(graph));
  const shapes = validateGraph(prepared);
  const segments = cutSegments(prepared);
  const predicted = predictPreparedSegments(prepared, shapes, index);
  const segmentFixed = segments.map((seg, k) => {
    const edgeUs = opInstances(prepared, shapes, seg.nodes).filter((o) => o.part === 'edge').reduce((s, o) => s + correctedOpUs(index, o, shapes), 0);
    return predicted[k].predictedUs - edgeUs;
  });
  const fixedUs = segmentFixed.map((_, k) => segmentFixed.slice(0, k + 1).reduce((a, b) => a + b, 0));
  const segmentOf = new Map<string, number>();
  segments.forEach((seg, k) => seg.nodes.forEach((n) => segmentOf.set(n, k)));
  const plan = fullCellPlan(config.nodes);
  const edges: EdgeTerm[] = [];
  for (const node of prepared.nodes) {
    if (node.tags?.part !== 'cell-concat') continue;
    const kind: CellKind = node.tags.cell === 'reduce' ? 'reduce' : 'normal';
    const [h, w, c] = shapes.get(node.name) ?? [];
    const channels = c / plan.concat.length;
    const segment = segmentOf.get(node.name) ?? 0;
    plan.nodes.forEach((froms, i) => {
      froms.forEach((from, slot) => {
        const stride: 1 | 2 = kind === 'reduce' && from < 2 ? 2 : 1;
        const inShape = stride === 2 ? [2 * h, 2 * w, channels] : [h, w, channels];
        edges.push({
          segment, kind, row: edgeRow(plan, i, slot), inclusion: 2 / froms.length,
          costUs: PRIMITIVE_NAMES.map((p) => edgeCostUs(index, p, inShape, stride)),
        });
      });
    });
  }
  return { fixedUs, edges };
}

/** Softmax over the non-`none` columns of one alpha row (none gets 0). */
function nonNoneWeights(row: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let q = 0; q < row.length; q++) if (!isNone[q]) m = Math.max(m, row[q]);
  const e = Array.from({ length: row.length }, (_, q) => (isNone[q] ? 0 : Math.exp(row[q] - m)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Alpha rows by cell kind (flat [rows × primitives], row-major). */
export type AlphaFlat = Record<CellKind, ArrayLike<number>>;

/** E_k(α) for every exit, µs. */
export function expectedExitUs(model: ExitLatencyModel, alphas: AlphaFlat): number[] {
  const out = [...model.fixedUs];
  const P = PRIMITIVE_NAMES.length;
  for (const e of model.edges) {
    const w = nonNoneWeights(Array.from({ length: P }, (_, q) => alphas[e.kind][e.row * P + q]));
    const us = e.inclusion * w.reduce((s, wq, q) => s + wq * e.costUs[q], 0);
    for (let k = e.segment; k < out.length; k++) out[k] += us;
  }
  return out;
}

/** ∂/∂α of Σ_k coef_k · E_k(α), as flat arrays like the alphas. */
export function expectedExitGradient(model: ExitLatencyModel, alphas: AlphaFlat, coef: readonly number[]): Record<CellKind, Float64Array> {
  const P = PRIMITIVE_NAMES.length;
  const grad: Record<CellKind, Float64Array> = { normal: new Float64Array(alphas.normal.length), reduce: new Float64Array(alphas.reduce.length) };
  for (const e of model.edges) {
    const weight = coef.slice(e.segment).reduce((a, b) => a + b, 0) * e.inclusion;
    if (weight === 0) continue;
    const w = nonNoneWeights(Array.from({ length: P }, (_, q) => alphas[e.kind][e.row * P + q]));
    const mean = w.reduce((s, wq, q) => s + wq * e.costUs[q], 0);
    for (let q = 0; q < P; q++) grad[e.kind][e.row * P + q] += weight * w[q] * (e.costUs[q] - mean);
  }
  return grad;
}
