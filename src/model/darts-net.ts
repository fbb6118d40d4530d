/**
 * The single-scale, single-exit DARTS network (quark0/darts `cnn/model.py` NetworkCIFAR, without the
 * auxiliary head and drop-path, which are training-time concerns): stem conv3×3 (3 → stemMultiplier·C) → bn;
 * `layers` cells where cells at 0-based positions floor(layers/3) and floor(2·layers/3) are reduction cells
 * that double C; each cell reads the two previous cell outputs (the stem twice at first; factorized reduce on
 * s0 after a reduction); global average pool → linear. Node names `c<cell>/...`.
 */
import { RanasError } from '../errors.ts';
import { withExitMacs } from '../ir/analysis.ts';
import { GraphBuilder } from '../ir/builder.ts';
import type { ModelGraph } from '../ir/types.ts';
import { HEADS } from '../ops/heads.ts';
import { buildCell, genotypeCells } from './cell.ts';
import { genotypeHash, type Genotype } from './genotype.ts';

/** DARTS network configuration. */
export interface DartsNetConfig {
  layers: number;
  initChannels: number;
  stemMultiplier: number;
  numClasses: number;
  inputShape: [number, number, number];
  seed: number;
}

/** Builds the DARTS network of `genotype`. */
export function buildDartsNet(genotype: Genotype, c: DartsNetConfig, name = 'darts'): ModelGraph {
  if (!Number.isInteger(c.layers) || c.layers < 3) throw new RanasError('E_MODEL_CONFIG', `layers is ${c.layers}; expected an integer ≥ 3 (two reduction cells)`);
  const b = new GraphBuilder(name, c.seed);
  const image = b.input('image', c.inputShape);
  const stem = b.scoped('stem', {}, () => b.bn(b.conv(image, c.stemMultiplier * c.initChannels, { kernel: 3 })));
  const cells = genotypeCells(genotype);
  const reductionAt = new Set([Math.floor(c.layers / 3), Math.floor((2 * c.layers) / 3)]);
  let C = c.initChannels;
  let s0 = stem;
  let s1 = stem;
  for (let i = 0; i < c.layers; i++) {
    const kind = reductionAt.has(i) ? 'reduce' : 'normal';
    if (kind === 'reduce') C *= 2;
    const out = b.scoped(`c${i}`, { layer: i + 1, cell: kind }, () => buildCell(b, { s0, s1, channels: C, kind, spec: cells[kind] }));
    s0 = s1;
    s1 = out;
  }
  b.scoped('exit', { layer: c.layers }, () => b.exit(HEADS.linear.expand(b, s1, { numClasses: c.numClasses, channels: 0 }), c.layers));
  return withExitMacs(b.build({ kind: 'darts', config: c, genotype, genotypeHash: genotypeHash(genotype), inputShape: c.inputShape, numClasses: c.numClasses }));
}
