/**
 * The grid options `ranas search` and `ranas train` share (`--scales`, `--layers`, `--init-channels`,
 * `--nodes`, exit layers) applied to an MS-RANAS preset's config, so any searched configuration — or the
 * paper's Fig. 4 baseline (1 scale, 5 layers, C = 16, one exit) — is trained exactly as it was searched.
 */
import { RanasError } from '../errors.ts';
import type { MsRanasConfig } from './ms-ranas.ts';

/** Exit placement: every layer but the first, the last layer only, or an explicit list of layers. */
export type ExitLayers = 'all' | 'last' | number[];

/** Overrides of a preset's grid (undefined = the preset's). */
export interface GridOverrides {
  scales?: 1 | 2 | 3;
  layers?: number;
  initChannels?: number;
  nodes?: number;
  exitLayers?: ExitLayers;
}

/** Extends a per-scale list to `n` entries by doubling its last value (MSDNet's 1-2-4 pattern). */
export function perScale(list: readonly number[], n: number): number[] {
  const out = [...list];
  while (out.length < n) out.push(2 * (out.at(-1) ?? 1));
  return out;
}

/** Parses `--exit-layers`: `all`, `last` or a comma-separated list of layers. */
export function parseExitLayers(v: string): ExitLayers {
  if (v === 'all' || v === 'last') return v;
  const layers = v.split(',').map((x) => Number(x.trim()));
  if (layers.length === 0 || layers.some((l) => !Number.isInteger(l) || l < 1)) {
    throw new RanasError('E_CLI_ARG', `--exit-layers is ${JSON.stringify(v)}; expected all, last or a comma-separated list of layer numbers ≥ 1`);
  }
  return layers;
}

/** `base` with the overrides applied; the exit layers must lie in 1..layers. */
export function applyGridOverrides(base: MsRanasConfig, o: GridOverrides): MsRanasConfig {
  const scales = o.scales ?? base.scales;
  const layers = o.layers ?? base.layers;
  const exitLayers =
    o.exitLayers === undefined ? base.exitLayers.filter((l) => l <= layers)
      : o.exitLayers === 'all' ? Array.from({ length: layers - 1 }, (_, i) => i + 2)
        : o.exitLayers === 'last' ? [layers]
          : [...o.exitLayers].sort((a, b) => a - b);
  const bad = exitLayers.filter((l) => l < 1 || l > layers);
  if (bad.length > 0 || exitLayers.length === 0) {
    throw new RanasError('E_MODEL_CONFIG', `exit layers [${exitLayers.join(', ')}] do not fit a ${layers}-layer grid; expected layers in 1..${layers}`);
  }
  return {
    ...base,
    scales,
    layers,
    nodes: o.nodes ?? base.nodes,
    initChannels: o.initChannels ?? base.initChannels,
    reductionLayers: base.reductionLayers.filter((l) => l <= layers),
    exitLayers: exitLayers.length > 0 ? exitLayers : [layers],
    growth: perScale(base.growth, scales),
    bottleneckWidth: base.bottleneckWidth === null ? null : perScale(base.bottleneckWidth, scales),
  };
}
