/**
 * The α evolution of a search: from `alphas.jsonl` (one line per search epoch, alphas as [edges, primitives]
 * per cell kind, written by `runSearch`), the softmax weight of each primitive averaged over the cell's
 * edges, per epoch; epoch 0 is the initialisation, re-drawn exactly as `buildMsRanasSupernet` draws it
 * (1e-3 · N(0, 1) from the supernet seed, as DARTS).
 */
import { readFileSync } from 'node:fs';
import { RanasError } from '../errors.ts';
import { PRIMITIVE_NAMES } from '../ops/primitives.ts';
import { Rng, mixSeed } from '../rng.ts';
import { softmax } from '../search/derive-genotype.ts';
import type { AlphaPoint } from './demo-report.ts';

const CELLS = ['normal', 'reduce'] as const;

function matrix(v: unknown, where: string): number[][] {
  if (!Array.isArray(v) || v.length === 0) throw new RanasError('E_DEMO_ALPHAS', `${where} is not a non-empty list of rows`);
  return v.map((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== PRIMITIVE_NAMES.length || !row.every((x: unknown) => typeof x === 'number')) {
      throw new RanasError('E_DEMO_ALPHAS', `${where} row ${i} is not ${PRIMITIVE_NAMES.length} numbers (one per primitive)`);
    }
    return row.map(Number);
  });
}

/** The supernet's initial alphas of one cell kind (`src/model/supernet.ts`: seed mixed with 1 normal, 2 reduce). */
export function initialAlphas(seed: number, cell: (typeof CELLS)[number], rows: number): number[][] {
  const rng = new Rng(mixSeed(seed, cell === 'normal' ? 1 : 2));
  const flat = Float32Array.from({ length: rows * PRIMITIVE_NAMES.length }, () => 1e-3 * rng.normal());
  return Array.from({ length: rows }, (_, r) => Array.from(flat.subarray(r * PRIMITIVE_NAMES.length, (r + 1) * PRIMITIVE_NAMES.length)));
}

function meanWeights(epoch: number, cell: (typeof CELLS)[number], alphaRows: number[][]): AlphaPoint[] {
  const rows = alphaRows.map(softmax);
  return PRIMITIVE_NAMES.map((primitive, j) => ({ epoch, cell, primitive, weight: rows.reduce((s, r) => s + r[j], 0) / rows.length }));
}

/** Mean softmax weight per primitive of every cell kind at initialisation (epoch 0) and every epoch in `alphasJsonlPath`. */
export function alphaEvolution(alphasJsonlPath: string, supernetSeed: number): AlphaPoint[] {
  const out: AlphaPoint[] = [];
  const lines = readFileSync(alphasJsonlPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
  for (const [n, line] of lines.entries()) {
    const where = `${alphasJsonlPath} line ${n + 1}`;
    const v: unknown = JSON.parse(line);
    const epoch: unknown = typeof v === 'object' && v !== null ? Reflect.get(v, 'epoch') : undefined;
    const alphas: unknown = typeof v === 'object' && v !== null ? Reflect.get(v, 'alphas') : undefined;
    if (typeof epoch !== 'number' || typeof alphas !== 'object' || alphas === null) {
      throw new RanasError('E_DEMO_ALPHAS', `${where} has no epoch number and alphas object; expected the lines ranas search writes`);
    }
    for (const cell of CELLS) {
      const rows = matrix(Reflect.get(alphas, cell), `${where} alphas.${cell}`);
      if (n === 0) out.push(...meanWeights(0, cell, initialAlphas(supernetSeed, cell, rows.length)));
      out.push(...meanWeights(epoch, cell, rows));
    }
  }
  return out;
}
