/**
 * The networks of the study as IR graphs: MS-RANAS on the study grid with a genotype (searched, random or
 * shipped) and a scale count, or MSDNet from the authors' CIFAR recipe with fewer channels. Every network but
 * the reference gets the width whose trainable-parameter count is nearest the reference's, so the comparison
 * is at equal parameters (the paper sizes MS-RANAS to MSDNet's parameters the same way).
 */
import { RanasError } from '../errors.ts';
import { analyzeGraph } from '../ir/analysis.ts';
import type { ModelGraph } from '../ir/types.ts';
import type { Genotype } from '../model/genotype.ts';
import { buildMsRanas, type MsRanasConfig } from '../model/ms-ranas.ts';
import { buildMsdNet, type MsdNetConfig } from '../model/msdnet.ts';
import { getPreset } from '../model/presets.ts';
import type { StudyGrid, StudyNetwork } from './study-plan.ts';

/**
 * A network's width: scale-1 channels (MS-RANAS C, MSDNet nChannels), for MSDNet its growth rate, and for
 * MS-RANAS the classifier heads' channels when they differ from the grid's ratio (`matchMsRanasParams`).
 */
export interface Width {
  channels: number;
  growthRate?: number;
  headChannels?: number;
}

/** How a width reads in a table. */
export function widthText(w: Width): string {
  if (w.growthRate !== undefined) return `nChannels ${w.channels}, growth ${w.growthRate}`;
  return w.headChannels === undefined ? `C ${w.channels}` : `C ${w.channels}, heads ${w.headChannels}`;
}

/**
 * Widths tried when matching parameters, narrowest first: MS-RANAS C (even: the factorized reduce halves it);
 * MSDNet nChannels with the recipe's growth rate (6 per 16 channels) give or take 2, since one channel step
 * moves MSDNet's parameters by far more than ±10 % at small widths.
 */
export function candidateWidths(kind: StudyNetwork['kind']): Width[] {
  if (kind === 'ms-ranas') return Array.from({ length: 64 }, (_, i) => ({ channels: 2 * (i + 1) }));
  const out: Width[] = [];
  for (let channels = 2; channels <= 64; channels++) {
    const g = Math.round((6 * channels) / 16);
    for (let growthRate = Math.max(1, g - 2); growthRate <= g + 2; growthRate++) out.push({ channels, growthRate });
  }
  return out;
}

/** Extends a per-scale list to `n` entries by doubling its last value (MSDNet's 1-2-4 pattern). */
function perScale(list: readonly number[], n: number): number[] {
  const out = list.slice(0, n);
  while (out.length < n) out.push(2 * (out.at(-1) ?? 1));
  return out;
}

/** The grid's classifier channels at scale-1 width `channels` (the heads scale with C). */
export function gridHeadChannels(grid: StudyGrid, channels: number): number {
  return Math.max(1, Math.round((grid.head.channels / grid.initChannels) * channels));
}

/** The MS-RANAS config of the grid at `scales` and scale-1 width `channels` (heads scale with it unless given). */
export function gridConfig(grid: StudyGrid, scales: 1 | 2 | 3, channels: number, seed: number, headChannels?: number): MsRanasConfig {
  return {
    scales, layers: grid.layers, initChannels: channels, nodes: grid.nodes,
    reductionLayers: grid.reductionLayers, exitLayers: Array.from({ length: grid.layers - 1 }, (_, i) => i + 2),
    growth: perScale(grid.growth, scales),
    bottleneckWidth: grid.bottleneckWidth === null ? null : perScale(grid.bottleneckWidth, scales),
    numClasses: 10, inputShape: [32, 32, 3], seed,
    head: { kind: grid.head.kind, channels: headChannels ?? gridHeadChannels(grid, channels) },
  };
}

/**
 * MSDNet of the `msdnet-cifar10` preset (the authors' CIFAR recipe) at `width`: nChannels and growth rate as
 * given, classifier channels scaled by nChannels / 16 (recipe: 16 channels, growth 6, 128-channel classifiers).
 */
export function msdnetConfig(width: Width, seed: number): MsdNetConfig {
  const p = getPreset('msdnet-cifar10');
  if (p.kind !== 'msdnet') throw new RanasError('E_STUDY_PLAN', `preset msdnet-cifar10 is a ${p.kind} network; expected msdnet`);
  const f = width.channels / p.config.nChannels;
  return {
    ...p.config, nChannels: width.channels, growthRate: width.growthRate ?? Math.max(1, Math.round(p.config.growthRate * f)),
    headChannels: Math.max(1, Math.round(p.config.headChannels * f)), seed,
  };
}

/** Trainable parameters of a graph. */
export function paramsOf(graph: ModelGraph): number {
  return analyzeGraph(graph).totalParams;
}

/** What a network is built from once its genotype is known. */
export interface NetworkBuild {
  graph: ModelGraph;
  width: Width;
  params: number;
}

/** Builds `net` at `width`. */
export function buildNetwork(net: StudyNetwork, grid: StudyGrid, genotype: Genotype | null, width: Width, seed: number): ModelGraph {
  if (net.kind === 'msdnet') return buildMsdNet(msdnetConfig(width, seed), net.name);
  if (!genotype) throw new RanasError('E_STUDY_PLAN', `network ${net.name} is an MS-RANAS network but no genotype was given`);
  return buildMsRanas(genotype, gridConfig(grid, net.scales, width.channels, seed, width.headChannels), net.name);
}

/**
 * The width whose parameter count is nearest `targetParams` (relative error), built; a typed error when the
 * nearest is further than `tolerance` (e.g. 0.1 = ±10 %). Widths are tried narrowest first and the search
 * stops two channel steps after the first width past the target (parameters grow with the channels).
 */
export function matchParams(widths: readonly Width[], build: (width: Width) => ModelGraph, targetParams: number, tolerance: number, what: string): NetworkBuild {
  let best: NetworkBuild | undefined;
  let bestErr = Infinity;
  let overAt: number | undefined;
  for (const width of widths) {
    if (overAt !== undefined && width.channels > overAt + 1) break;
    const graph = build(width);
    const params = paramsOf(graph);
    const err = Math.abs(params / targetParams - 1);
    if (err < bestErr) {
      best = { graph, width, params };
      bestErr = err;
    }
    if (params > targetParams && overAt === undefined) overAt = width.channels;
  }
  if (!best || bestErr > tolerance) {
    throw new RanasError('E_STUDY_PARAMS', `${what}: the nearest width (${best ? widthText(best.width) : '-'}) gives ${best?.params ?? '-'} params, ${(100 * bestErr).toFixed(1)} % from the reference's ${targetParams}; expected within ${(100 * tolerance).toFixed(0)} %`);
  }
  return best;
}

/**
 * MS-RANAS sized to `targetParams`: the even C whose parameters are nearest (heads at the grid's ratio), as
 * `matchParams`. When no C lands within the tolerance — C moves the parameters in steps of ~±25 % at this size,
 * and a genotype of heavy ops (5×5 separable convolutions) can fall between two steps — the nearest C keeps its
 * cells and only its classifier heads change, by the fewest channels (steps of 2, down to half or up to twice
 * the grid's) that bring it within the tolerance: the smallest change to the architecture that matches.
 */
export function matchMsRanasParams(grid: StudyGrid, build: (width: Width) => ModelGraph, targetParams: number, tolerance: number, what: string): NetworkBuild {
  const nearest = matchParams(candidateWidths('ms-ranas'), build, targetParams, Infinity, what);
  if (Math.abs(nearest.params / targetParams - 1) <= tolerance) return nearest;
  const base = gridHeadChannels(grid, nearest.width.channels);
  const step = nearest.params > targetParams ? -2 : 2;
  for (let head = base + step; head >= Math.ceil(base / 2) && head <= 2 * base; head += step) {
    const width: Width = { channels: nearest.width.channels, headChannels: head };
    const graph = build(width);
    const params = paramsOf(graph);
    if (Math.abs(params / targetParams - 1) <= tolerance) return { graph, width, params };
    if ((step < 0) !== (params > targetParams)) break;
  }
  const off = (100 * (nearest.params / targetParams - 1)).toFixed(1);
  throw new RanasError('E_STUDY_PARAMS', `${what}: the nearest width (${widthText(nearest.width)}) gives ${nearest.params} params, ${off} % from the reference's ${targetParams}, and no head width from ${Math.ceil(base / 2)} to ${2 * base} channels fits either; expected within ${(100 * tolerance).toFixed(0)} %`);
}
