/**
 * Genotypes (DARTS `Genotype`): per cell type, two incoming edges per intermediate node as
 * `[primitive, fromIndex]` pairs (node i's edges are entries 2i and 2i+1; states 0 and 1 are the cell inputs,
 * state 2 + i is node i), and the states concatenated into the cell output. JSON on disk:
 * `{ "name"?: string, "source"?: string, "normal": [["sep_conv_3x3", 0], ...], "normalConcat": [2, 3],
 *    "reduce": [...], "reduceConcat": [2, 3] }`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RanasError } from '../errors.ts';
import { JsonReader } from '../ir/json-reader.ts';
import { PRIMITIVE_NAMES, PRIMITIVES, type PrimitiveName } from '../ops/primitives.ts';

/** One cell edge of a genotype: the op and the state it reads. */
export type GenotypeEdge = [op: PrimitiveName, fromIndex: number];

/** A discrete architecture: normal and reduction cells. */
export interface Genotype {
  normal: GenotypeEdge[];
  normalConcat: number[];
  reduce: GenotypeEdge[];
  reduceConcat: number[];
}

/** Cell kinds. */
export type CellKind = 'normal' | 'reduce';

/** Intermediate nodes of a cell of `genotype`. */
export function genotypeNodes(genotype: Genotype, kind: CellKind = 'normal'): number {
  return genotype[kind].length / 2;
}

function parseCell(r: JsonReader, edgesKey: CellKind, concatKey: 'normalConcat' | 'reduceConcat'): { edges: GenotypeEdge[]; concat: number[] } {
  const list = r.get(edgesKey);
  const items = list.array();
  if (items.length === 0 || items.length % 2 !== 0) throw list.fail('a non-empty list with two edges per node (even length)');
  const edges = items.map((item, i): GenotypeEdge => {
    const pair = item.array();
    if (pair.length !== 2) throw item.fail('a pair [primitive, fromIndex]');
    const op = pair[0].oneOf(PRIMITIVE_NAMES);
    if (PRIMITIVES[op].isZero) throw pair[0].fail('a non-zero primitive (none is never part of a genotype)');
    const node = Math.floor(i / 2);
    const from = pair[1].int();
    if (from >= 2 + node) throw pair[1].fail(`an index < ${2 + node} (node ${node} reads the cell inputs 0, 1 or an earlier node)`);
    return [op, from];
  });
  const nodes = items.length / 2;
  const c = r.get(concatKey);
  const concat = c.intArray();
  if (concat.length === 0 || concat.some((x) => x < 2 || x >= 2 + nodes) || new Set(concat).size !== concat.length) {
    throw c.fail(`distinct node states in [2, ${1 + nodes}]`);
  }
  return { edges, concat };
}

/** Validates parsed JSON as a genotype; errors name the field path. */
export function parseGenotype(json: unknown, source = 'genotype'): Genotype {
  const r = new JsonReader(json, '', 'E_GENOTYPE', source);
  const normal = parseCell(r, 'normal', 'normalConcat');
  const reduce = parseCell(r, 'reduce', 'reduceConcat');
  return { normal: normal.edges, normalConcat: normal.concat, reduce: reduce.edges, reduceConcat: reduce.concat };
}

/** Reads and validates a genotype JSON file. */
export function loadGenotype(path: string): Genotype {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RanasError('E_GENOTYPE', `cannot read genotype ${path}: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RanasError('E_GENOTYPE', `${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, { file: path });
  }
  return parseGenotype(json, path);
}

/** Canonical JSON of the architecture (names and comments excluded). */
export function canonicalGenotype(g: Genotype): string {
  return JSON.stringify({ normal: g.normal, normalConcat: g.normalConcat, reduce: g.reduce, reduceConcat: g.reduceConcat });
}

/** Stable short hash of a genotype: first 16 hex digits of sha256 of its canonical JSON. */
export function genotypeHash(g: Genotype): string {
  return createHash('sha256').update(canonicalGenotype(g)).digest('hex').slice(0, 16);
}
