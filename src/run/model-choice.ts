/**
 * Builds the graph a training run starts from: a preset (with an optional genotype and the grid overrides
 * `ranas search` also takes: scales, layers, init channels, nodes, exit layers), or a saved IR model folder;
 * then `--single-exit` keeps only the last exit.
 */
import { RanasError } from '../errors.ts';
import { loadModel } from '../ir/serialize.ts';
import { validateGraph } from '../ir/validate.ts';
import type { ModelGraph } from '../ir/types.ts';
import { genotypeNodes, loadGenotype, type Genotype } from '../model/genotype.ts';
import { applyGridOverrides, type ExitLayers } from '../model/grid-overrides.ts';
import { buildMsRanas } from '../model/ms-ranas.ts';
import { buildPreset, genotypePath, getPreset } from '../model/presets.ts';
import { keepExits } from './keep-exits.ts';

const GRID_FLAGS = [['scales', '--scales'], ['layers', '--layers'], ['initChannels', '--init-channels'], ['nodes', '--nodes'], ['exitLayers', '--exit-layers']] as const;

/** Which graph a run starts from (`ranas train`'s model options). */
export interface ModelChoice {
  /** Model preset (ignored when `modelDir` is given). */
  preset: string;
  /** Genotype JSON replacing the preset's. */
  genotype?: string;
  /** Start from a saved IR model folder instead of a preset. */
  modelDir?: string;
  /** Grid overrides of an MS-RANAS preset, as `ranas search` takes them (undefined = the preset's). */
  scales?: 1 | 2 | 3;
  layers?: number;
  initChannels?: number;
  /** Intermediate nodes per cell (default: the genotype's). */
  nodes?: number;
  exitLayers?: ExitLayers;
  /** Classes of the data (default the preset's). A saved model must already have this many. */
  numClasses?: number;
  /** Keep only the last exit. */
  singleExit: boolean;
  /** Seed of the weight initialisation. */
  seed: number;
}

/** The graph to train. */
export function chooseModel(o: ModelChoice): ModelGraph {
  let graph: ModelGraph;
  const gridFlags = GRID_FLAGS.filter(([k]) => o[k] !== undefined).map(([, flag]) => flag);
  if (o.modelDir) {
    if (gridFlags.length > 0) throw new RanasError('E_TRAIN_OPTION', `${gridFlags.join(', ')} apply to presets; --model ${o.modelDir} is a saved network`);
    graph = loadModel(o.modelDir);
    const classes = validateGraph(graph).get(graph.exits[0]?.tensor ?? '')?.[0];
    if (o.numClasses !== undefined && classes !== o.numClasses) {
      throw new RanasError('E_TRAIN_OPTION', `model ${o.modelDir} has ${classes} classes; the data has ${o.numClasses}`);
    }
  } else {
    const genotype: Genotype | undefined = o.genotype ? loadGenotype(o.genotype) : undefined;
    const preset = getPreset(o.preset);
    if (gridFlags.length > 0) {
      if (preset.kind !== 'ms-ranas') {
        throw new RanasError('E_TRAIN_OPTION', `${gridFlags.join(', ')} apply to MS-RANAS presets; preset ${o.preset} is ${preset.kind}`);
      }
      const g = genotype ?? loadGenotype(genotypePath(preset.genotype));
      // A genotype fixes the cell's node count; --nodes only has to agree with it.
      const nodes = o.nodes ?? genotypeNodes(g);
      const config = { ...applyGridOverrides(preset.config, { scales: o.scales, layers: o.layers, initChannels: o.initChannels, nodes, exitLayers: o.exitLayers }), seed: o.seed, numClasses: o.numClasses ?? preset.config.numClasses };
      const built = buildMsRanas(g, config, o.preset);
      graph = { ...built, meta: { ...built.meta, preset: o.preset, grid: { scales: config.scales, layers: config.layers, initChannels: config.initChannels, nodes: config.nodes, exitLayers: config.exitLayers } } };
    } else if (genotype && preset.kind === 'ms-ranas' && genotypeNodes(genotype) !== preset.config.nodes) {
      // A genotype with other cells (e.g. DARTS_V2's 4 nodes) in the preset's grid.
      const config = { ...preset.config, nodes: genotypeNodes(genotype), seed: o.seed, numClasses: o.numClasses ?? preset.config.numClasses };
      const built = buildMsRanas(genotype, config, o.preset);
      graph = { ...built, meta: { ...built.meta, preset: o.preset } };
    } else {
      graph = buildPreset(o.preset, { genotype, seed: o.seed, numClasses: o.numClasses });
    }
  }
  return o.singleExit ? keepExits(graph, [graph.exits.length - 1]) : graph;
}
