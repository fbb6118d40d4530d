/**
 * Builds the graph a training run starts from: a preset (with an optional genotype and scale override), or
 * a saved IR model folder; then `--single-exit` keeps only the last exit.
 */
import { RanasError } from '../errors.ts';
import { loadModel } from '../ir/serialize.ts';
import type { ModelGraph } from '../ir/types.ts';
import { loadGenotype, type Genotype } from '../model/genotype.ts';
import { buildMsRanas } from '../model/ms-ranas.ts';
import { buildPreset, genotypePath, getPreset } from '../model/presets.ts';
import { keepExits } from './keep-exits.ts';

/** Extends a per-scale factor list to `n` scales by doubling its last entry (MSDNet's 1-2-4 pattern). */
function extendDoubling(factors: number[], n: number): number[] {
  const out = [...factors];
  while (out.length < n) out.push(2 * (out[out.length - 1] ?? 1));
  return out;
}

/** Which graph a run starts from (`ranas train`'s model options). */
export interface ModelChoice {
  /** Model preset (ignored when `modelDir` is given). */
  preset: string;
  /** Genotype JSON replacing the preset's. */
  genotype?: string;
  /** Start from a saved IR model folder instead of a preset. */
  modelDir?: string;
  /** Override the preset's number of scales (MS-RANAS presets only). */
  scales?: 1 | 2 | 3;
  /** Keep only the last exit. */
  singleExit: boolean;
  /** Seed of the weight initialisation. */
  seed: number;
}

/** The graph to train. */
export function chooseModel(o: ModelChoice): ModelGraph {
  let graph: ModelGraph;
  if (o.modelDir) {
    graph = loadModel(o.modelDir);
  } else {
    const genotype: Genotype | undefined = o.genotype ? loadGenotype(o.genotype) : undefined;
    const preset = getPreset(o.preset);
    if (o.scales !== undefined) {
      if (preset.kind !== 'ms-ranas') {
        throw new RanasError('E_TRAIN_OPTION', `--scales applies to MS-RANAS presets; preset ${o.preset} is ${preset.kind}`);
      }
      const g = genotype ?? loadGenotype(genotypePath(preset.genotype));
      const c = preset.config;
      const built = buildMsRanas(g, {
        ...c, scales: o.scales, seed: o.seed,
        growth: extendDoubling(c.growth, o.scales),
        bottleneckWidth: c.bottleneckWidth === null ? null : extendDoubling(c.bottleneckWidth, o.scales),
      }, o.preset);
      graph = { ...built, meta: { ...built.meta, preset: o.preset, scales: o.scales } };
    } else {
      graph = buildPreset(o.preset, { genotype, seed: o.seed });
    }
  }
  return o.singleExit ? keepExits(graph, [graph.exits.length - 1]) : graph;
}
