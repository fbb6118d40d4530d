/**
 * Named model presets. Each builds a `ModelGraph` from a config (and, for cell networks, a genotype from
 * `models/genotypes/`, replaceable by any genotype, e.g. a search result):
 * - `paper-cifar`: the paper's comparison setting (Cioflan & Timofte, MS-RANAS, Sec. 4: 3 scales, 7 layers,
 *   2-node cells, "sized to match MSDNet's parameters"); the width is ours: C = 14 with MSDNet's own 128-channel
 *   classifier heads gives 4.90 M params, +1.3 % of `msdnet-cifar10`'s 4.84 M (a test asserts ≤ 10 %).
 * - `tiny` / `small`: our own small MS-RANAS grids for CPU runs (no published source).
 * - `msdnet-cifar10`: MSDNet's 10-classifier CIFAR-10 anytime recipe (`msdnet.ts` `MSDNET_CIFAR10`, from the
 *   authors' gaohuang/MSDNet README and kalviny/MSDNet-PyTorch `run_anytime_cifar.sh`).
 * - `msdnet-cifar100-7exit`: the 7-classifier anytime network of kalviny/MSDNet-PyTorch's README CIFAR-100
 *   example (`MSDNET_CIFAR100_7`).
 * - `darts-cifar`: DARTS's single-scale, single-exit CIFAR network at search size (8 cells, C = 16, stem ×3:
 *   quark0/darts `cnn/model_search.py` `Network(C=16, layers=8)`) with the published DARTS_V2 cell
 *   (`cnn/genotypes.py`). DARTS's final CIFAR network is 20 cells, C = 36 (`train.py` defaults).
 */
import { RanasError } from '../errors.ts';
import { packagePath } from '../package-root.ts';
import type { ModelGraph } from '../ir/types.ts';
import { buildDartsNet, type DartsNetConfig } from './darts-net.ts';
import { loadGenotype, type Genotype } from './genotype.ts';
import { buildMsRanas, type MsRanasConfig } from './ms-ranas.ts';
import { buildMsdNet, MSDNET_CIFAR10, MSDNET_CIFAR100_7, type MsdNetConfig } from './msdnet.ts';

/** Folder of the shipped genotypes. */
export const GENOTYPES_DIR = `${packagePath('models', 'genotypes')}/`;

/** Path of a shipped genotype by file stem (e.g. `darts-v2`). */
export function genotypePath(stem: string): string {
  return `${GENOTYPES_DIR}${stem}.json`;
}

/** A preset: what it builds and from which config. */
export type Preset =
  | { kind: 'ms-ranas'; genotype: string; config: MsRanasConfig; description: string }
  | { kind: 'msdnet'; config: MsdNetConfig; description: string }
  | { kind: 'darts'; genotype: string; config: DartsNetConfig; description: string };

/** Preset names. */
export type PresetName = 'paper-cifar' | 'small' | 'tiny' | 'msdnet-cifar10' | 'msdnet-cifar100-7exit' | 'darts-cifar';

/** The tiny preset's config (`small` is the same grid at twice the width). */
const TINY: MsRanasConfig = {
  scales: 2,
  layers: 4,
  // C = 8: last exit ≈ 18.5 M MACs (19.6 M anytime), 0.16 M params; small enough for a CPU epoch.
  initChannels: 8,
  nodes: 2,
  reductionLayers: [3],
  exitLayers: [2, 3, 4],
  growth: [1, 2],
  numClasses: 10,
  inputShape: [32, 32, 3],
  seed: 0,
  head: { kind: 'msdnet', channels: 32 },
  bottleneckWidth: [1, 2],
};

/** Every preset. */
export const PRESETS: Record<PresetName, Preset> = {
  'paper-cifar': {
    kind: 'ms-ranas',
    description: 'MS-RANAS paper setting: 3 scales, 7 layers, 2-node cells, MSDNet heads, params matched to msdnet-cifar10 (4.90 M vs 4.84 M)',
    genotype: 'ms-ranas-default',
    config: {
      scales: 3,
      layers: 7,
      // C = 14 with MSDNet's 128-channel heads: 4,901,648 params vs msdnet-cifar10's 4,839,544 (+1.3 %).
      initChannels: 14,
      nodes: 2,
      reductionLayers: [4],
      exitLayers: [2, 3, 4, 5, 6, 7],
      growth: [1, 2, 4],
      numClasses: 10,
      inputShape: [32, 32, 3],
      seed: 0,
      head: { kind: 'msdnet', channels: 128 },
      bottleneckWidth: [1, 2, 4],
    },
  },
  small: {
    kind: 'ms-ranas',
    description: 'tiny at twice the width: 2 scales, 4 layers, 2-node cells, 64-channel heads; weights outweigh graph structure, as in larger models',
    genotype: 'ms-ranas-default',
    // C = 16: last exit ≈ 71 M MACs, 0.64 M params.
    config: { ...TINY, initChannels: 16, head: { kind: 'msdnet', channels: 64 } },
  },
  tiny: {
    kind: 'ms-ranas',
    description: 'small MS-RANAS for quick CPU runs: 2 scales, 4 layers, 2-node cells, small heads',
    genotype: 'ms-ranas-default',
    config: TINY,
  },
  'msdnet-cifar10': {
    kind: 'msdnet',
    description: 'MSDNet CIFAR-10 anytime recipe, 10 classifiers (nBlocks 10, base 4, step 2 even, nChannels 16, growthRate 6, grFactor/bnFactor 1-2-4, bottleneck, reduction 0.5; gaohuang/MSDNet README)',
    config: MSDNET_CIFAR10,
  },
  'msdnet-cifar100-7exit': {
    kind: 'msdnet',
    description: 'MSDNet 7-classifier anytime network, 100 classes (nBlocks 7, base 4, step 2 even; kalviny/MSDNet-PyTorch README CIFAR-100 example)',
    config: MSDNET_CIFAR100_7,
  },
  'darts-cifar': {
    kind: 'darts',
    description: 'single-scale single-exit DARTS network at search size (8 cells, C=16) with DARTS_V2',
    genotype: 'darts-v2',
    config: { layers: 8, initChannels: 16, stemMultiplier: 3, numClasses: 10, inputShape: [32, 32, 3], seed: 0 },
  },
};

/** Preset names in table order. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The preset called `name` (RanasError listing the names otherwise). */
export function getPreset(name: string): Preset {
  const found = PRESET_NAMES.find((p) => p === name);
  if (found === undefined) throw new RanasError('E_PRESET', `unknown preset '${name}'; expected one of ${PRESET_NAMES.join(', ')}`);
  return PRESETS[found];
}

/** Options when building a preset. */
export interface BuildPresetOptions {
  /** Genotype replacing the preset's own (cell presets only). */
  genotype?: Genotype;
  seed?: number;
  /** Classes of the data (default the preset's; CIFAR-100 and image folders set it). */
  numClasses?: number;
}

/** Builds preset `name` as IR (meta records the preset name). */
export function buildPreset(name: string, o: BuildPresetOptions = {}): ModelGraph {
  const p = getPreset(name);
  let graph: ModelGraph;
  if (p.kind === 'msdnet') {
    graph = buildMsdNet({ ...p.config, seed: o.seed ?? p.config.seed, numClasses: o.numClasses ?? p.config.numClasses }, name);
  } else {
    const genotype = o.genotype ?? loadGenotype(genotypePath(p.genotype));
    graph =
      p.kind === 'ms-ranas'
        ? buildMsRanas(genotype, { ...p.config, seed: o.seed ?? p.config.seed, numClasses: o.numClasses ?? p.config.numClasses }, name)
        : buildDartsNet(genotype, { ...p.config, seed: o.seed ?? p.config.seed, numClasses: o.numClasses ?? p.config.numClasses }, name);
  }
  return { ...graph, meta: { ...graph.meta, preset: name } };
}
