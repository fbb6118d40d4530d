/**
 * The search supernet: the MS-RANAS grid whose cells have every edge of the full topology (node i reads
 * states 0 .. 1+i) as a mixed op over all primitives of the op table (DARTS MixedOp): each non-zero primitive
 * is expanded with `affine: false` batch-norms and a batch-norm after pools (`poolBn`), and a `mixedOp` node
 * sums them weighted by softmax(alpha[row]) over all primitives (`none` included in the softmax, left out of
 * the sum). One alpha per cell kind, shared by every cell and scale: `alpha/normal`, `alpha/reduce`, shape
 * [edges, primitives], row = edge index in node-major order (node 0's edges from 0 and 1 are rows 0, 1; node
 * 1's are rows 2, 3, 4; ...), columns in `PRIMITIVE_NAMES` order; initialised 1e-3 · N(0, 1) as DARTS.
 */
import { Rng, mixSeed } from '../rng.ts';
import type { ModelGraph } from '../ir/types.ts';
import { PRIMITIVES, PRIMITIVE_NAMES, expandPrimitive } from '../ops/primitives.ts';
import { fullCellPlan, type CellPlan, type CellSpec, type CellSpecs } from './cell.ts';
import type { CellKind } from './genotype.ts';
import { buildMsRanasNetwork, type MsRanasConfig } from './ms-ranas.ts';
import { mergeCommonNodes } from './merge-common-nodes.ts';

/** Weight names of the architecture parameters. */
export const ALPHA_NAMES: Record<CellKind, string> = { normal: 'alpha/normal', reduce: 'alpha/reduce' };

/** Alpha row of edge `slot` of `node` in `plan` (edges numbered node by node). */
export function edgeRow(plan: CellPlan, node: number, slot: number): number {
  return plan.nodes.slice(0, node).reduce((s, froms) => s + froms.length, 0) + slot;
}

/** Mixed-op cell specs over the full topology with `nodes` intermediate nodes. */
export function mixedCells(nodes: number, seed: number): CellSpecs {
  const plan = fullCellPlan(nodes);
  const rows = plan.nodes.reduce((s, froms) => s + froms.length, 0);
  const candidates = PRIMITIVE_NAMES.filter((p) => !PRIMITIVES[p].isZero);
  const spec = (kind: CellKind): CellSpec => ({
    plan,
    affine: false,
    edgeOp: (b, input, stride, edge) => {
      const alpha = ALPHA_NAMES[kind];
      if (!b.hasWeight(alpha)) {
        const rng = new Rng(mixSeed(seed, kind === 'normal' ? 1 : 2));
        const data = Float32Array.from({ length: rows * PRIMITIVE_NAMES.length }, () => 1e-3 * rng.normal());
        b.addWeight(alpha, [rows, PRIMITIVE_NAMES.length], data, true);
      }
      const scope = `n${edge.node}_e${edge.slot}`;
      return b.scoped(scope, { edge: edgeRow(plan, edge.node, edge.slot) }, () => {
        const outs = candidates.map((p) => expandPrimitive(b, p, input, { cOut: b.channels(input), stride, poolBn: true, affine: false }));
        return b.mixedOp(outs, { alpha, row: edgeRow(plan, edge.node, edge.slot), primitives: [...PRIMITIVE_NAMES] });
      });
    },
  });
  return { normal: spec('normal'), reduce: spec('reduce') };
}

/** Options of `buildMsRanasSupernet`. */
export interface SupernetBuildOptions {
  name?: string;
  /**
   * Compute each repeated pure node once (`mergeCommonNodes`: the relu every conv primitive of an edge
   * starts with; the pools of one state read by two edges, with their non-affine batch-norms). Same function,
   * 918 → 783 nodes on the tiny preset. Default true; false gives the graph exactly as the op table expands
   * it (the equivalence test).
   */
  mergeCommon?: boolean;
}

/** Builds the search supernet for `config` (its `nodes` sets the cell size). */
export function buildMsRanasSupernet(config: MsRanasConfig, opts: SupernetBuildOptions = {}): ModelGraph {
  const built = buildMsRanasNetwork(config, mixedCells(config.nodes, config.seed), opts.name ?? 'ms-ranas-supernet');
  const graph = opts.mergeCommon ?? true ? mergeCommonNodes(built).graph : built;
  return { ...graph, meta: { ...graph.meta, kind: 'ms-ranas-supernet', alphas: ALPHA_NAMES, primitives: [...PRIMITIVE_NAMES] } };
}
