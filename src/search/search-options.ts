/**
 * The typed options of `ranas search` (parsed once by the CLI), their DARTS defaults, and the supernet
 * config derived from a preset plus the search overrides.
 */
import { RanasError } from '../errors.ts';
import type { MsRanasConfig } from '../model/ms-ranas.ts';
import { applyGridOverrides } from '../model/grid-overrides.ts';
import { getPreset, PRESET_NAMES, PRESETS, type PresetName } from '../model/presets.ts';
import type { RunOptions } from '../run/run-options.ts';

/** Every option of one search run (the SGD options apply to the weights). */
export interface SearchOptions extends RunOptions {
  /** MS-RANAS preset the supernet is derived from. */
  preset: string;
  /** Intermediate nodes per cell. */
  nodes: number;
  scales?: 1 | 2 | 3;
  layers?: number;
  initChannels?: number;
  /** Exits on every layer but the first (true) or only the last layer's exit (false). */
  searchExits: boolean;
  /** Cutout side in pixels (0 = off). Default 16: the MS-RANAS paper's best search used cutout (DARTS's search did not). */
  cutout: number;
  /** Alpha Adam: lr, weight decay (betas 0.5/0.999 as DARTS). */
  alphaLr: number;
  alphaWeightDecay: number;
  /** Unrolled (second-order) hypergradient instead of first order. */
  secondOrder: boolean;
  /** Epochs of weight-only training before alpha updates start. */
  warmupEpochs: number;
  /** Keep a later run's validation split out of the search: its size and that run's seed (the study's). */
  holdOut?: { images: number; seed: number };
  /** Cap on skip_connect edges per cell in the derived genotype (undefined = no cap). */
  maxSkip?: number;
  /** Latency table of the supernet config (`ranas device profile-ops`) for per-exit targets. */
  latencyTable?: string;
  /** Per-exit latency targets, ms (one per exit, or one for the last exit). */
  exitTargetsMs?: number[];
}

/** DARTS search defaults. */
export const SEARCH_DEFAULTS = {
  preset: 'tiny',
  nodes: 2,
  epochs: 50,
  batchSize: 64,
  lr: 0.025,
  lrMin: 0.001,
  momentum: 0.9,
  weightDecay: 3e-4,
  gradClip: 5,
  alphaLr: 3e-4,
  alphaWeightDecay: 1e-3,
  warmupEpochs: 0,
  /** Cutout side, px: on, as the MS-RANAS paper's best search (DARTS's own `train_search.py` used none). */
  cutout: 16,
  seed: 0,
  runsDir: 'runs',
  checkpointEvery: 100,
  threads: 1,
} as const;

/** Presets a search can start from (the MS-RANAS ones; MSDNet and DARTS presets have no searchable grid). */
export const MS_RANAS_PRESETS: readonly PresetName[] = PRESET_NAMES.filter((n) => PRESETS[n].kind === 'ms-ranas');

/** The supernet config: the preset's, with the search's nodes/scales/layers/channels/exits applied. */
export function searchSupernetConfig(o: Pick<SearchOptions, 'preset' | 'nodes' | 'scales' | 'layers' | 'initChannels' | 'searchExits' | 'seed'>): MsRanasConfig {
  const p = getPreset(o.preset);
  if (p.kind !== 'ms-ranas') throw new RanasError('E_SEARCH_OPTION', `preset ${o.preset} is a ${p.kind} network; expected an MS-RANAS preset (${MS_RANAS_PRESETS.join(', ')})`);
  return { ...applyGridOverrides(p.config, { ...o, exitLayers: o.searchExits ? 'all' : 'last' }), seed: o.seed };
}
