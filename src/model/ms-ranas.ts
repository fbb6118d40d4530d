/**
 * The MS-RANAS multi-scale, multi-exit network as IR.
 *
 * Grid (layers l = 1..L, scales s = 1..S, scale s at 1/2^(s-1) of the input resolution before reductions):
 * - Layer 1 is the vertical layer: scale 1 = ConvBasic 3×3 stride 1 of the image, scale s = ConvBasic 3×3
 *   stride 2 of scale s-1 (MSDNet's first layer). Each outputs m·C_s channels, m = normal-cell concat length.
 * - Layer l ≥ 2, scale 1: x = horizontal(state[l-1][1]) (MSDNet ConvBN, stride 1, C channels).
 *   Scale s > 1: x = concat(diagonal(state[l-1][s-1]) (stride 2, C), horizontal(state[l-1][s]) (C)).
 *   Then the DARTS cell with s1 = x and s0 = state[l-2][s] (state[1][s] when l = 2), each preprocessed to C
 *   channels by relu → conv1×1 → bn (factorized reduce when s0 has twice x's resolution, i.e. after a
 *   reduction layer). state[l][s] = the cell output (len(concat)·C channels).
 * - A reduction layer uses the reduction cell at every scale: it halves every scale's resolution and doubles
 *   C (as DARTS doubles C at reduction cells). The horizontal/diagonal convs of that layer run at the old
 *   resolution; the cell's stride-2 edges reduce.
 * - C at layer l, scale s: initChannels · growth[s] · 2^(reduction layers ≤ l).
 * - Exits: at each `exitLayers` layer a classifier head (`heads.ts`) reads the coarsest scale's state.
 * - Nodes no exit depends on (the finer scales of the last layers, after the last exit) are pruned
 *   (`pruneToExits`), as MSDNet drops scales; they would cost MACs and parameters and never be trained.
 *
 * Node names: `l<layer>/s<scale>/...` (`l<layer>/exit` for heads), tagged `{ layer, scale }`; cell edges are
 * named `n<node>_e<slot>_<primitive>` and tagged with the primitive. Every node also carries a `part` tag
 * naming the grid piece it belongs to (`GridPart`: vertical, horizontal, diagonal, grid-concat, head, and
 * the cell's parts from `cell.ts`), so a node's op instance is known from its tags, not its name (the
 * latency predictor groups nodes by it; fusing passes keep the producer's tags).
 */
import { RanasError } from '../errors.ts';
import { withExitMacs } from '../ir/analysis.ts';
import { GraphBuilder } from '../ir/builder.ts';
import { pruneToExits } from '../ir/prune.ts';
import type { ModelGraph } from '../ir/types.ts';
import { convBnRelu, msdConv } from '../ops/grid-ops.ts';
import { HEADS, type HeadConfig } from '../ops/heads.ts';
import { buildCell, genotypeCells, type CellSpecs } from './cell.ts';
import { genotypeHash, genotypeNodes, type Genotype } from './genotype.ts';

/** Values of the `part` tag: the grid piece (or cell part) a node belongs to. */
export const GRID_PARTS = ['vertical', 'horizontal', 'diagonal', 'grid-concat', 'pre0', 'pre1', 'edge', 'node', 'cell-concat', 'head'] as const;

/** A grid piece or cell part (the `part` tag of a node). */
export type GridPart = (typeof GRID_PARTS)[number];

/** Configuration of an MS-RANAS network. */
export interface MsRanasConfig {
  scales: 1 | 2 | 3;
  /** Grid layers including the vertical layer 1. */
  layers: number;
  /** C of scale 1 at layer 1. */
  initChannels: number;
  /** Intermediate nodes per cell (default 2); must match the genotype's on the genotype path. */
  nodes: number;
  /** 1-based layers (≥ 2) that use the reduction cell. */
  reductionLayers: number[];
  /** 1-based layers with a classifier (default every layer but the first). */
  exitLayers: number[];
  /** Channel multiplier per scale, e.g. [1, 2, 4]. */
  growth: number[];
  numClasses: number;
  /** [H, W, C] of the input image. */
  inputShape: [number, number, number];
  seed: number;
  head: HeadConfig;
  /** MSDNet bottleneck in horizontal/diagonal convs: width factor per scale (MSDNet bnFactor), or null for none. */
  bottleneckWidth: number[] | null;
}

/** Defaults for the optional parts of the config. */
export function defaultExitLayers(layers: number): number[] {
  return Array.from({ length: layers - 1 }, (_, i) => i + 2);
}

function configError(message: string): RanasError {
  return new RanasError('E_MODEL_CONFIG', message);
}

/** Checks the config; throws RanasError `E_MODEL_CONFIG` naming the field. */
export function validateMsRanasConfig(c: MsRanasConfig): void {
  if (![1, 2, 3].includes(c.scales)) throw configError(`scales is ${c.scales}; expected 1, 2 or 3`);
  if (!Number.isInteger(c.layers) || c.layers < 2) throw configError(`layers is ${c.layers}; expected an integer ≥ 2`);
  if (!Number.isInteger(c.initChannels) || c.initChannels < 2 || c.initChannels % 2 !== 0) throw configError(`initChannels is ${c.initChannels}; expected an even integer ≥ 2`);
  if (!Number.isInteger(c.nodes) || c.nodes < 1) throw configError(`nodes is ${c.nodes}; expected an integer ≥ 1`);
  if (c.growth.length < c.scales || c.growth.some((g) => !Number.isInteger(g) || g < 1)) throw configError(`growth is [${c.growth}]; expected ${c.scales} positive integers`);
  if (c.reductionLayers.some((l) => !Number.isInteger(l) || l < 2 || l > c.layers)) throw configError(`reductionLayers is [${c.reductionLayers}]; expected layers in 2..${c.layers}`);
  if (c.exitLayers.length === 0 || c.exitLayers.some((l) => !Number.isInteger(l) || l < 1 || l > c.layers)) throw configError(`exitLayers is [${c.exitLayers}]; expected at least one layer in 1..${c.layers}`);
  if (c.bottleneckWidth !== null && c.bottleneckWidth.length < c.scales) throw configError(`bottleneckWidth is [${c.bottleneckWidth}]; expected ${c.scales} values or null`);
  const [h, w] = c.inputShape;
  const halvings = c.scales - 1 + c.reductionLayers.length;
  if (h % 2 ** halvings !== 0 || w % 2 ** halvings !== 0) {
    throw configError(`inputShape ${h}x${w} is halved ${halvings} times (scales − 1 + reductions); expected H and W divisible by ${2 ** halvings}`);
  }
}

/** Builds the MS-RANAS network of `genotype` (edges expanded from the op table). */
export function buildMsRanas(genotype: Genotype, config: MsRanasConfig, name = 'ms-ranas'): ModelGraph {
  const nodes = genotypeNodes(genotype, 'normal');
  if (nodes !== config.nodes || genotypeNodes(genotype, 'reduce') !== config.nodes) {
    throw configError(`config.nodes is ${config.nodes} but the genotype has ${nodes} normal / ${genotypeNodes(genotype, 'reduce')} reduction nodes; expected equal`);
  }
  const graph = buildMsRanasNetwork(config, genotypeCells(genotype), name);
  return { ...graph, meta: { ...graph.meta, genotype, genotypeHash: genotypeHash(genotype) } };
}

/**
 * Builds the grid with any cells (the search passes mixed-op cells here). Exit `cumulativeMacs` are filled.
 */
export function buildMsRanasNetwork(config: MsRanasConfig, cells: CellSpecs, name = 'ms-ranas'): ModelGraph {
  validateMsRanasConfig(config);
  const b = new GraphBuilder(name, config.seed);
  const image = b.input('image', config.inputShape);
  const multiplier = cells.normal.plan.concat.length;
  const S = config.scales;
  const reductions = new Set(config.reductionLayers);
  const exits = new Set(config.exitLayers);
  const channelsAt = (layer: number, s: number) => config.initChannels * config.growth[s] * 2 ** config.reductionLayers.filter((l) => l <= layer).length;
  const bottleneck = (s: number) => (config.bottleneckWidth === null ? null : config.bottleneckWidth[s]);

  // states[l][s]: output of layer l (1-based) at scale s (0-based).
  const states: string[][] = [[]];
  states[1] = [];
  for (let s = 0; s < S; s++) {
    states[1][s] = b.scoped(`l1/s${s + 1}`, { layer: 1, scale: s + 1, part: 'vertical' }, () =>
      convBnRelu.expand(b, s === 0 ? image : states[1][s - 1], { cOut: multiplier * channelsAt(1, s), stride: s === 0 ? 1 : 2, kernel: 3 }),
    );
  }
  const addExit = (layer: number) =>
    b.scoped(`l${layer}/exit`, { layer, exit: layer, part: 'head' }, () => {
      const logits = HEADS[config.head.kind].expand(b, states[layer][S - 1], { numClasses: config.numClasses, channels: config.head.channels });
      b.exit(logits, layer);
    });
  if (exits.has(1)) addExit(1);

  for (let l = 2; l <= config.layers; l++) {
    const kind = reductions.has(l) ? 'reduce' : 'normal';
    states[l] = [];
    for (let s = 0; s < S; s++) {
      const C = channelsAt(l, s);
      states[l][s] = b.scoped(`l${l}/s${s + 1}`, { layer: l, scale: s + 1 }, () => {
        const horizontal = b.scoped('horizontal', { part: 'horizontal' }, () => msdConv.expand(b, states[l - 1][s], { cOut: C, stride: 1, bottleneckWidth: bottleneck(s) }));
        const x =
          s === 0
            ? horizontal
            : b.tagged({ part: 'grid-concat' }, () =>
                b.concat([b.scoped('diagonal', { part: 'diagonal' }, () => msdConv.expand(b, states[l - 1][s - 1], { cOut: C, stride: 2, bottleneckWidth: bottleneck(s - 1) })), horizontal], 'grid_in'),
              );
        const s0 = states[Math.max(1, l - 2)][s];
        return b.scoped('cell', { cell: kind }, () => buildCell(b, { s0, s1: x, channels: C, kind, spec: cells[kind] }));
      });
    }
    if (exits.has(l)) addExit(l);
  }
  return withExitMacs(pruneToExits(b.build({ kind: 'ms-ranas', config, inputShape: config.inputShape, numClasses: config.numClasses })));
}
