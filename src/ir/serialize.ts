/**
 * On-disk form of a `ModelGraph`: a folder with
 * - `model.json`: `{ format: 'ranas-ir', formatVersion: 1, name, inputs, nodes, exits, meta, weights, weightsByteLength,
 *   weightsSha256 }` where `weights` is the weight index in file order, each entry
 *   `{ name, shape, trainable, byteOffset, byteLength }` (byteLength = 4 · elements);
 * - `weights.bin`: the weights' float32 values, little-endian, concatenated in index order, no padding.
 *
 * Both files are written atomically (temp file + rename; `weights.bin` first). `loadModel` validates every
 * field (errors name the field path), the byte ranges (errors name the weight and byte offset), the checksum,
 * and then the graph itself (`validateGraph`). Values round-trip bit-exactly (NaN payloads included): bytes
 * are copied through uint32 words, never through float conversions.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from '../errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../run-folder.ts';
import { JsonReader } from './json-reader.ts';
import type { ExitSpec, FusedActivation, GraphInput, IrNode, IrNodeOf, ModelGraph, OpType, Padding, WeightTensor } from './types.ts';
import { OP_TYPES, shapeSize, validateGraph } from './validate.ts';

/** File names inside a model folder. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** One weight index entry of `model.json`. */
export interface WeightIndexEntry {
  name: string;
  shape: number[];
  trainable: boolean;
  byteOffset: number;
  byteLength: number;
}

/** The JSON document of `model.json`. */
export interface ModelJson {
  format: 'ranas-ir';
  formatVersion: 1;
  name: string;
  inputs: GraphInput[];
  nodes: IrNode[];
  exits: ExitSpec[];
  meta: Record<string, unknown>;
  weights: WeightIndexEntry[];
  weightsByteLength: number;
  weightsSha256: string;
}

/** Packs every weight into one little-endian float32 buffer and builds the index (bit-exact). */
export function packWeights(weights: Record<string, WeightTensor>): { index: WeightIndexEntry[]; bytes: Uint8Array } {
  const entries = Object.entries(weights);
  const total = entries.reduce((s, [, w]) => s + w.data.length * 4, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const index: WeightIndexEntry[] = [];
  let offset = 0;
  for (const [name, w] of entries) {
    const words = new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length);
    for (let i = 0; i < words.length; i++) view.setUint32(offset + 4 * i, words[i], true);
    index.push({ name, shape: [...w.shape], trainable: w.trainable, byteOffset: offset, byteLength: w.data.length * 4 });
    offset += w.data.length * 4;
  }
  return { index, bytes };
}

/** Serialises `graph` to `model.json` + `weights.bin` in `dir` (created if needed), atomically. */
export function saveModel(dir: string, graph: ModelGraph): void {
  validateGraph(graph);
  mkdirSync(dir, { recursive: true });
  const { index, bytes } = packWeights(graph.weights);
  const doc: ModelJson = {
    format: 'ranas-ir',
    formatVersion: graph.formatVersion,
    name: graph.name,
    inputs: graph.inputs,
    nodes: graph.nodes,
    exits: graph.exits,
    meta: graph.meta,
    weights: index,
    weightsByteLength: bytes.length,
    weightsSha256: createHash('sha256').update(bytes).digest('hex'),
  };
  writeFileAtomic(join(dir, WEIGHTS_BIN), bytes);
  writeJsonAtomic(join(dir, MODEL_JSON), doc);
}

/** Loads and validates a model folder written by `saveModel`. */
export function loadModel(dir: string): ModelGraph {
  const jsonPath = join(dir, MODEL_JSON);
  const binPath = join(dir, WEIGHTS_BIN);
  let text: string;
  let bin: Buffer;
  try {
    text = readFileSync(jsonPath, 'utf8');
    bin = readFileSync(binPath);
  } catch (e) {
    throw new RanasError('E_MODEL_MISSING', `cannot read model folder ${dir}: ${e instanceof Error ? e.message : String(e)}; expected ${MODEL_JSON} and ${WEIGHTS_BIN}`, { dir });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new RanasError('E_MODEL_JSON', `${jsonPath}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, { file: jsonPath });
  }
  return parseModel(parsed, new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength), jsonPath, binPath);
}

/** Builds a graph from parsed `model.json` and the bytes of `weights.bin` (validating everything). */
export function parseModel(json: unknown, bytes: Uint8Array, jsonPath = MODEL_JSON, binPath = WEIGHTS_BIN): ModelGraph {
  const r = new JsonReader(json, '', 'E_MODEL_JSON', jsonPath);
  r.get('format').oneOf(['ranas-ir']);
  if (r.get('formatVersion').int() !== 1) throw r.get('formatVersion').fail('format version 1');
  const graph: ModelGraph = {
    formatVersion: 1,
    name: r.get('name').string(),
    inputs: r.get('inputs').array().map((i) => ({ name: i.get('name').string(), shape: i.get('shape').intArray(1) })),
    nodes: r.get('nodes').array().map(parseNode),
    exits: r.get('exits').array().map((e) => ({
      index: e.get('index').int(),
      tensor: e.get('tensor').string(),
      layer: e.get('layer').int(),
      cumulativeMacs: e.get('cumulativeMacs').number(),
    })),
    weights: {},
    meta: r.get('meta').object(),
  };
  const declared = r.get('weightsByteLength').int();
  if (declared !== bytes.length) {
    throw new RanasError('E_MODEL_WEIGHTS', `${binPath}: holds ${bytes.length} bytes; ${jsonPath} declares weightsByteLength ${declared}`, { file: binPath, byteOffset: Math.min(declared, bytes.length) });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let expectedOffset = 0;
  for (const entry of r.get('weights').array()) {
    const name = entry.get('name').string();
    const shape = entry.get('shape').intArray(1);
    const byteOffset = entry.get('byteOffset').int();
    const byteLength = entry.get('byteLength').int();
    const where = `weight '${name}' (${entry.path})`;
    if (byteLength !== shapeSize(shape) * 4) throw entry.get('byteLength').fail(`${shapeSize(shape) * 4} (4 bytes × ${shapeSize(shape)} elements of shape [${shape.join(', ')}]) for ${where}`);
    if (byteOffset !== expectedOffset) {
      throw new RanasError('E_MODEL_WEIGHTS', `${jsonPath}: ${where} starts at byte offset ${byteOffset}; expected ${expectedOffset} (weights are contiguous in index order)`, { weight: name, byteOffset });
    }
    if (byteOffset + byteLength > bytes.length) {
      throw new RanasError('E_MODEL_WEIGHTS', `${binPath}: ${where} spans bytes ${byteOffset}..${byteOffset + byteLength} but the file ends at byte ${bytes.length}`, { weight: name, byteOffset });
    }
    if (name in graph.weights) throw entry.get('name').fail('a weight name not used by an earlier entry');
    const words = new Uint32Array(byteLength / 4);
    for (let i = 0; i < words.length; i++) words[i] = view.getUint32(byteOffset + 4 * i, true);
    graph.weights[name] = { shape, trainable: entry.get('trainable').boolean(), data: new Float32Array(words.buffer) };
    expectedOffset += byteLength;
  }
  if (expectedOffset !== bytes.length) {
    throw new RanasError('E_MODEL_WEIGHTS', `${binPath}: ${bytes.length - expectedOffset} unexpected bytes after the last weight, from byte offset ${expectedOffset}`, { byteOffset: expectedOffset });
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  const declaredSha = r.get('weightsSha256').string();
  if (sha !== declaredSha) {
    throw new RanasError('E_MODEL_WEIGHTS', `${binPath}: sha256 ${sha} does not match ${jsonPath} weightsSha256 ${declaredSha} (weights.bin corrupt or from another model)`, { file: binPath });
  }
  validateGraph(graph);
  return graph;
}

const PADDINGS: readonly Padding[] = ['same', 'valid'];
const ACTIVATIONS: readonly FusedActivation[] = ['none', 'relu'];

interface NodeBase {
  name: string;
  inputs: string[];
  tags?: Record<string, string | number>;
}

function weightRoles<R extends string>(r: JsonReader, roles: readonly R[]): Partial<Record<R, string>> {
  const obj = r.get('weights');
  const out: Partial<Record<R, string>> = {};
  for (const key of Object.keys(obj.object())) {
    const role = roles.find((x) => x === key);
    if (role === undefined) throw obj.get(key).fail(`a known weight role (${roles.join(', ')}) as its key`);
    out[role] = obj.get(key).string();
  }
  return out;
}

function windowAttrs(a: JsonReader) {
  return { kernel: a.get('kernel').pair(), strides: a.get('strides').pair(), padding: a.get('padding').oneOf(PADDINGS) };
}

const NODE_PARSERS: { [T in OpType]: (r: JsonReader, a: JsonReader, base: NodeBase) => IrNodeOf<T> } = {
  conv2d: (r, a, b) => ({
    ...b,
    op: 'conv2d',
    attrs: { ...windowAttrs(a), dilation: a.get('dilation').pair(), filters: a.get('filters').int(1), activation: a.get('activation').oneOf(ACTIVATIONS) },
    weights: weightRoles(r, ['filter', 'bias']),
  }),
  depthwiseConv2d: (r, a, b) => ({
    ...b,
    op: 'depthwiseConv2d',
    attrs: { ...windowAttrs(a), dilation: a.get('dilation').pair(), activation: a.get('activation').oneOf(ACTIVATIONS) },
    weights: weightRoles(r, ['filter', 'bias']),
  }),
  batchNorm: (r, a, b) => ({
    ...b,
    op: 'batchNorm',
    attrs: { epsilon: a.get('epsilon').number(), momentum: a.get('momentum').number(), affine: a.get('affine').boolean() },
    weights: weightRoles(r, ['gamma', 'beta', 'movingMean', 'movingVariance']),
  }),
  relu: (_r, _a, b) => ({ ...b, op: 'relu', attrs: {}, weights: {} }),
  add: (_r, a, b) => ({
    ...b,
    op: 'add',
    attrs: a.has('dropPath')
      ? { activation: a.get('activation').oneOf(ACTIVATIONS), dropPath: a.get('dropPath').array().map((f) => f.boolean()) }
      : { activation: a.get('activation').oneOf(ACTIVATIONS) },
    weights: {},
  }),
  concat: (_r, _a, b) => ({ ...b, op: 'concat', attrs: {}, weights: {} }),
  maxPool: (_r, a, b) => ({ ...b, op: 'maxPool', attrs: windowAttrs(a), weights: {} }),
  avgPool: (_r, a, b) => ({ ...b, op: 'avgPool', attrs: windowAttrs(a), weights: {} }),
  globalAvgPool: (_r, _a, b) => ({ ...b, op: 'globalAvgPool', attrs: {}, weights: {} }),
  dense: (r, a, b) => ({
    ...b,
    op: 'dense',
    attrs: { units: a.get('units').int(1), activation: a.get('activation').oneOf(ACTIVATIONS) },
    weights: weightRoles(r, ['kernel', 'bias']),
  }),
  mixedOp: (_r, a, b) => ({
    ...b,
    op: 'mixedOp',
    attrs: { alpha: a.get('alpha').string(), row: a.get('row').int(), primitives: a.get('primitives').stringArray() },
    weights: {},
  }),
};

function parseNode(r: JsonReader): IrNode {
  const base: NodeBase = { name: r.get('name').string(), inputs: r.get('inputs').stringArray() };
  if (r.has('tags')) {
    const tags: Record<string, string | number> = {};
    const t = r.get('tags');
    for (const key of Object.keys(t.object())) {
      const v = t.get(key);
      tags[key] = typeof v.value === 'number' ? v.number() : v.string();
    }
    base.tags = tags;
  }
  const op = r.get('op').oneOf(OP_TYPES);
  return NODE_PARSERS[op](r, r.get('attrs'), base);
}
