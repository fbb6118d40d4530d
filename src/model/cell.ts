/**
 * The DARTS cell builder, shared by the final network (ops from a genotype) and the search supernet (a
 * mixed op on every edge): the caller supplies the cell's topology (`CellPlan`) and an edge-op callback.
 *
 * A cell takes two inputs s0, s1, preprocesses each to C channels (relu → conv1×1 → bn; factorized reduce
 * for s0 when it has twice s1's resolution), then builds each intermediate node as the sum of its incoming
 * edges (edge = edgeOp(state it reads)); in a reduction cell the edges that read the cell inputs (from 0, 1)
 * have stride 2. Output = channel concat of the `concat` states. Nodes are tagged with their part of the
 * cell (`part`: pre0, pre1, edge with its `node` and `slot`, node (the sum), cell-concat).
 */
import type { GraphBuilder } from '../ir/builder.ts';
import { factorizedReduce, reluConvBn } from '../ops/darts-blocks.ts';
import type { Stride } from '../ops/op-spec.ts';
import { expandPrimitive } from '../ops/primitives.ts';
import type { CellKind, Genotype } from './genotype.ts';

/** Identity of one edge: intermediate node, state it reads, position among the node's edges, cell kind. */
export interface CellEdge {
  node: number;
  from: number;
  slot: number;
  cell: CellKind;
}

/**
 * Builds one edge's op on `input` (C → C channels, given stride) and returns its output tensor. The genotype
 * path expands the chosen primitive; the search plugs a mixed op over every primitive here.
 */
export type EdgeOp = (b: GraphBuilder, input: string, stride: Stride, edge: CellEdge) => string;

/** Cell topology: for each intermediate node the states it reads; the states concatenated into the output. */
export interface CellPlan {
  nodes: number[][];
  concat: number[];
}

/** What a cell of one kind is built from. */
export interface CellSpec {
  plan: CellPlan;
  edgeOp: EdgeOp;
  /** Learnable gamma/beta in the preprocessing batch-norms (default true; DARTS's search cells use false). */
  affine?: boolean;
}

/** Normal and reduction cell specs. */
export interface CellSpecs {
  normal: CellSpec;
  reduce: CellSpec;
}

/** The search topology: node i reads every earlier state 0 .. 1+i; output = all intermediate nodes. */
export function fullCellPlan(nodes: number): CellPlan {
  return {
    nodes: Array.from({ length: nodes }, (_, i) => Array.from({ length: 2 + i }, (_, j) => j)),
    concat: Array.from({ length: nodes }, (_, i) => 2 + i),
  };
}

/** Cell specs of a genotype: its edges, each expanded from the op table. */
export function genotypeCells(genotype: Genotype): CellSpecs {
  const spec = (kind: CellKind): CellSpec => {
    const edges = genotype[kind];
    const concat = kind === 'normal' ? genotype.normalConcat : genotype.reduceConcat;
    return {
      plan: { nodes: Array.from({ length: edges.length / 2 }, (_, i) => [edges[2 * i][1], edges[2 * i + 1][1]]), concat },
      edgeOp: (b, input, stride, e) => {
        const op = edges[2 * e.node + e.slot][0];
        return expandPrimitive(b, op, input, { cOut: b.channels(input), stride }, `n${e.node}_e${e.slot}_${op}`);
      },
    };
  };
  return { normal: spec('normal'), reduce: spec('reduce') };
}

/** Inputs of `buildCell`. */
export interface CellInputs {
  s0: string;
  s1: string;
  /** Channels C of every state inside the cell. */
  channels: number;
  kind: CellKind;
  spec: CellSpec;
}

/** Builds one cell in the builder's current scope; returns its output tensor (len(concat)·C channels). */
export function buildCell(b: GraphBuilder, c: CellInputs): string {
  const [h1] = b.shape(c.s1);
  const [h0] = b.shape(c.s0);
  const pre0 = b.scoped('pre0', { part: 'pre0' }, () =>
    h0 === 2 * h1
      ? factorizedReduce.expand(b, c.s0, { cOut: c.channels, stride: 2, affine: c.spec.affine })
      : reluConvBn.expand(b, c.s0, { cOut: c.channels, stride: 1, kernel: 1, affine: c.spec.affine }),
  );
  const pre1 = b.scoped('pre1', { part: 'pre1' }, () => reluConvBn.expand(b, c.s1, { cOut: c.channels, stride: 1, kernel: 1, affine: c.spec.affine }));
  const states = [pre0, pre1];
  c.spec.plan.nodes.forEach((froms, node) => {
    const outs = froms.map((from, slot) => {
      const stride: Stride = c.kind === 'reduce' && from < 2 ? 2 : 1;
      return b.tagged({ part: 'edge', node, slot }, () => c.spec.edgeOp(b, states[from], stride, { node, from, slot, cell: c.kind }));
    });
    // Drop-path (training only) applies to every edge that is not an identity, as in DARTS.
    states.push(b.tagged({ part: 'node', node }, () => b.add(outs, `node${node}`, outs.map((out, slot) => out !== states[froms[slot]]))));
  });
  return b.tagged({ part: 'cell-concat' }, () => b.concat(c.spec.plan.concat.map((i) => states[i]), 'out'));
}
