/**
 * Drop-path (DARTS, from FractalNet): in training, each non-identity edge output of a cell is zeroed per
 * sample with probability p and the kept samples are scaled by 1/(1 − p), so the expected sum is unchanged.
 *
 * Masks are a pure function of (step seed, site, global sample index), never of an RNG's running state, so
 * the same step draws the same masks however the batch is split across data-parallel replicas and after a
 * resume (the seed is derived from the run seed and the step number).
 */
import { fnv1a } from '../ir/builder.ts';
import { RanasError } from '../errors.ts';
import { mixSeed } from '../rng.ts';

/** Drop-path settings of one training step. */
export interface DropPathStep {
  /** Probability of dropping an edge output for a sample, in [0, 1). */
  prob: number;
  /** Seed of this step's masks (`dropPathSeed(runSeed, step)`). */
  seed: number;
}

/** Drop-path as one replica applies it to its shard: the step's settings plus the shard's first row. */
export interface DropPathShard extends DropPathStep {
  /** Global batch index of the shard's first sample. */
  sampleOffset: number;
}

const TWO_POW_32 = 4294967296;
/** Stream id separating drop-path seeds from every other stream derived from the run seed. */
const DROP_PATH_STREAM = 0xd209;

/** The mask seed of one training step. */
export function dropPathSeed(runSeed: number, step: number): number {
  return mixSeed(runSeed, DROP_PATH_STREAM, step);
}

/**
 * DARTS' schedule: the probability grows linearly with the epoch, p · epoch / epochs (0 in the first epoch).
 */
export function scheduledDropPath(maxProb: number, epoch: number, epochs: number): number {
  if (!(maxProb >= 0 && maxProb < 1)) throw new RanasError('E_TRAIN_OPTIONS', `drop-path probability is ${maxProb}; expected a number in [0, 1)`);
  return epochs > 0 ? (maxProb * epoch) / epochs : 0;
}

/**
 * Per-sample multipliers of one site (an input of a cell sum) for `rows` samples: 0 (dropped) or 1/(1 − p).
 * `site` names the input, e.g. `l3/s2/cell/node0#1`.
 */
export function dropPathMask(shard: DropPathShard, site: string, rows: number): Float32Array {
  const keep = 1 - shard.prob;
  const siteId = fnv1a(site);
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const u = mixSeed(shard.seed, siteId, shard.sampleOffset + i) / TWO_POW_32;
    out[i] = u < keep ? 1 / keep : 0;
  }
  return out;
}
