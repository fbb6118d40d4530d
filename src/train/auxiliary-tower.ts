/**
 * DARTS's auxiliary tower (quark0/darts `cnn/model.py` `AuxiliaryHeadCIFAR`, used by `cnn/train.py
 * --auxiliary` with weight 0.4): a second classifier on the output of the cell at 2/3 of the depth, trained
 * alongside the network and thrown away afterwards. For single-exit networks only (`--recipe darts`); a
 * multi-exit network's own exits already supervise its intermediate layers.
 *
 * Tower: ReLU → avg-pool 5×5 stride 3 (valid; 8×8 → 2×2) → conv 1×1 → 128 → BN → ReLU → conv 2×2 (valid) → 768
 * → BN → ReLU → linear 768 → classes. DARTS flattens the 1×1 map left from an 8×8 input; we global-average-pool
 * it, which is the same there and also works for larger maps.
 *
 * Where it reads (DARTS: after cell `2·layers//3`, 0-based, of `layers` cells):
 * - `darts` networks: exactly that cell's output.
 * - `ms-ranas` grids: the cells are layers 2..L, so cell `2·(L−1)//3` is layer `2 + 2·(L−1)//3`; the tower reads
 *   that layer's coarsest scale (the scale the exits read).
 * The tower is exit 0 of the training graph (exits stay in order of cost); `withoutAuxiliaryTower` removes it
 * and every node and weight only it used, so it is never saved, evaluated or exported.
 */
import { RanasError } from '../errors.ts';
import { withExitMacs } from '../ir/analysis.ts';
import { GraphBuilder } from '../ir/builder.ts';
import type { ModelGraph } from '../ir/types.ts';
import { validateGraph } from '../ir/validate.ts';
import { keepExits } from '../run/keep-exits.ts';

/** DARTS's auxiliary loss weight. */
export const DARTS_AUXILIARY_WEIGHT = 0.4;

/** Tensor the tower reads and its grid layer. */
export interface AuxiliaryTap {
  tensor: string;
  layer: number;
}

const layerOf = (tags: Record<string, string | number> | undefined) => (typeof tags?.layer === 'number' ? tags.layer : undefined);

/** Where the tower reads in `graph`, or null when the network kind has no such place (MSDNet). */
export function auxiliaryTap(graph: ModelGraph): AuxiliaryTap | null {
  const kind = graph.meta.kind;
  const body = graph.nodes.filter((n) => n.tags?.exit === undefined && !n.name.includes('/exit/') && !n.name.startsWith('exit/'));
  const maxLayer = Math.max(...body.map((n) => layerOf(n.tags) ?? 0));
  if (kind === 'darts') {
    // Cell i carries layer tag i + 1; DARTS taps cell floor(2·layers/3).
    const layer = Math.floor((2 * maxLayer) / 3) + 1;
    const cell = body.filter((n) => layerOf(n.tags) === layer);
    const last = cell.at(-1);
    return last ? { tensor: last.name, layer } : null;
  }
  if (kind === 'ms-ranas') {
    const layer = 2 + Math.floor((2 * (maxLayer - 1)) / 3);
    const atLayer = body.filter((n) => layerOf(n.tags) === layer && typeof n.tags?.scale === 'number');
    const coarsest = Math.max(...atLayer.map((n) => Number(n.tags?.scale)));
    const last = atLayer.filter((n) => n.tags?.scale === coarsest).at(-1);
    return last ? { tensor: last.name, layer } : null;
  }
  return null;
}

/** `graph` with the auxiliary tower as exit 0 (the network's exits follow, renumbered from 1). */
export function withAuxiliaryTower(graph: ModelGraph, tap: AuxiliaryTap, seed: number): ModelGraph {
  const shapes = validateGraph(graph);
  const shape = shapes.get(tap.tensor);
  const classes = shapes.get(graph.exits[0]?.tensor ?? '')?.[0];
  if (!shape || shape.length !== 3 || classes === undefined) {
    throw new RanasError('E_TRAIN_AUXILIARY', `auxiliary tower tap ${tap.tensor} of ${graph.name}: expected an [H, W, C] feature map and a logits exit`);
  }
  if (shape[0] < 8 || shape[1] < 8) {
    throw new RanasError('E_TRAIN_AUXILIARY', `auxiliary tower tap ${tap.tensor} is ${shape[0]}x${shape[1]}; expected at least 8x8 (DARTS's tower pools 5x5 stride 3, then a 2x2 conv)`);
  }
  const b = new GraphBuilder(graph.name, seed);
  b.input(tap.tensor, shape);
  const logits = b.scoped('aux', { auxiliary: 1 }, () => {
    let t = b.avgPool(b.relu(tap.tensor), 5, 3, 'valid');
    t = b.relu(b.bn(b.conv(t, 128, { kernel: 1, name: 'conv1' })));
    t = b.relu(b.bn(b.conv(t, 768, { kernel: 2, padding: 'valid', name: 'conv2' })));
    return b.dense(b.globalAvgPool(t), classes, 'logits');
  });
  const tower = b.build();
  const merged: ModelGraph = {
    ...graph,
    nodes: [...graph.nodes, ...tower.nodes],
    weights: { ...graph.weights, ...tower.weights },
    exits: [{ index: 0, tensor: logits, layer: tap.layer, cumulativeMacs: 0 }, ...graph.exits.map((e) => ({ ...e, index: e.index + 1 }))],
    meta: { ...graph.meta, auxiliaryTower: { tap: tap.tensor, layer: tap.layer } },
  };
  return withExitMacs(merged);
}

/** The network without its auxiliary tower (exit 0 and everything only it used). */
export function withoutAuxiliaryTower(graph: ModelGraph): ModelGraph {
  const kept = keepExits(graph, graph.exits.slice(1).map((e) => e.index));
  // The network's own metadata (keptExits of --single-exit included), without the tower's.
  const meta = Object.fromEntries(Object.entries(graph.meta).filter(([k]) => k !== 'auxiliaryTower'));
  return withExitMacs({ ...kept, meta });
}
