/**
 * Random genotypes: the baseline every NAS result must beat (Li & Talwalkar, "Random Search and
 * Reproducibility for NAS", 2019; Yu et al., "Evaluating the Search Phase of NAS", 2020). Drawn uniformly from
 * the space the search derives from: per intermediate node two distinct earlier states, each with a non-`none`
 * primitive; the cell output concatenates every intermediate node (as `deriveGenotype` does).
 */
import { PRIMITIVE_NAMES, type PrimitiveName } from '../ops/primitives.ts';
import { RanasError } from '../errors.ts';
import { Rng } from '../rng.ts';
import type { Genotype, GenotypeEdge } from './genotype.ts';

/** The primitives a derived genotype can hold (every one but `none`). */
export const DERIVABLE_PRIMITIVES: readonly PrimitiveName[] = PRIMITIVE_NAMES.filter((p) => p !== 'none');

function randomCell(rng: Rng, nodes: number): { edges: GenotypeEdge[]; concat: number[] } {
  const edges: GenotypeEdge[] = [];
  for (let i = 0; i < nodes; i++) {
    // Node i reads two distinct states among the 2 cell inputs and nodes 0..i-1 (states 0..i+1).
    const states = rng.permutation(i + 2);
    for (const from of [states[0], states[1]].sort((a, b) => a - b)) {
      edges.push([DERIVABLE_PRIMITIVES[rng.int(DERIVABLE_PRIMITIVES.length)], from]);
    }
  }
  return { edges, concat: Array.from({ length: nodes }, (_, i) => i + 2) };
}

/** A uniformly random genotype with `nodes` intermediate nodes per cell, reproducible from `seed`. */
export function randomGenotype(seed: number, nodes: number): Genotype {
  if (!Number.isInteger(nodes) || nodes < 1) throw new RanasError('E_GENOTYPE', `random genotype with ${nodes} nodes; expected an integer ≥ 1`);
  const rng = new Rng(seed);
  const normal = randomCell(rng, nodes);
  const reduce = randomCell(rng, nodes);
  return { normal: normal.edges, normalConcat: normal.concat, reduce: reduce.edges, reduceConcat: reduce.concat };
}
