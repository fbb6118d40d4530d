/**
 * The segment-latency predictor: a segment's p50 = the sum of its op instances' own times + the segment
 * overhead. The table's entries are whole-model calls of sandwiched op models (`sandwich.ts`): each pays the
 * call (`invoke`), its probes and its model boundaries; an op's own time is its entry without those. The
 * segment overhead is one call plus its own boundaries (half a probe model's boundary cost per feature-map
 * input and output), plus the learned correction (`fit-correction.ts`) once the table has one: a constant per
 * segment index and, in tables fitted with `ridge-segment-and-primitive`, a share of each edge primitive's time.
 */
import { INVOKE_KEY, type LatencyTable } from '../bundle-format/latency-table.ts';
import { RanasError } from '../errors.ts';
import type { ModelGraph } from '../ir/types.ts';
import { validateGraph } from '../ir/validate.ts';
import { cutSegments } from '../../converters/segments.ts';
import { foldBatchNorm } from '../../converters/passes/fold-batch-norm.ts';
import { fuseRelu } from '../../converters/passes/fuse-relu.ts';
import { opInstances, type OpInstance } from './op-instances.ts';
import { probeKey } from './op-models.ts';

/** A table's entries by key, with the invocation entry's p50. */
export interface TableIndex {
  p50Us: ReadonlyMap<string, number>;
  invokeUs: number;
  /** The learned overhead of each segment index (empty when the table has none: the plain sum). */
  correctionUs: readonly number[];
  /** The learned share of each edge primitive's own time added in a real segment (empty: none). */
  primitiveScale: ReadonlyMap<string, number>;
  source: string;
}

/** Indexes a table (E_LATENCY_TABLE when it has no invocation entry). */
export function indexTable(table: LatencyTable, source = 'latency table'): TableIndex {
  const p50Us = new Map(table.entries.map((e) => [e.key, e.p50Us]));
  const invokeUs = p50Us.get(INVOKE_KEY);
  if (invokeUs === undefined) throw new RanasError('E_LATENCY_TABLE', `${source} has no '${INVOKE_KEY}' entry; expected the invocation model measured first (rerun profile-ops to complete it)`, { file: source });
  return { p50Us, invokeUs, correctionUs: table.correction?.segmentOverheadUs ?? [], primitiveScale: new Map(Object.entries(table.correction?.primitiveScale ?? {})), source };
}

function entryUs(index: TableIndex, key: string): number {
  const p50 = index.p50Us.get(key);
  if (p50 === undefined) {
    throw new RanasError('E_LATENCY_KEY', `${index.source} has no entry '${key}'; expected a table measured for this config (profile-ops with the same preset), complete`, { key });
  }
  return p50;
}

/** What a probe on a tensor of `shape` costs (`dwUs`) and what the model boundary costs there (`boundaryUs`: layout conversion and copy, in and out). */
export function probeCostUs(index: TableIndex, shape: readonly number[]): { dwUs: number; boundaryUs: number } {
  const one = entryUs(index, probeKey(shape, 1));
  const two = entryUs(index, probeKey(shape, 2));
  const dwUs = Math.max(0, two - one);
  return { dwUs, boundaryUs: Math.max(0, one - index.invokeUs - dwUs) };
}

const isFeatureMap = (shape: readonly number[]) => shape.length === 3;

/**
 * An op instance's own time: its sandwich's entry minus the call, minus each probe and half a model
 * boundary per feature-map input and output (never below 0).
 */
export function opTimeUs(index: TableIndex, op: Pick<OpInstance, 'key' | 'inputs' | 'outputs'>, shapes: ReadonlyMap<string, readonly number[]>): number {
  let us = entryUs(index, op.key) - index.invokeUs;
  for (const t of [...op.inputs, ...op.outputs]) {
    const shape = shapes.get(t) ?? [];
    if (!isFeatureMap(shape)) continue;
    const p = probeCostUs(index, shape);
    us -= p.dwUs + p.boundaryUs / 2;
  }
  return Math.max(0, us);
}

/** The primitive of an edge op key (`edge:sep_conv_3x3|...` → sep_conv_3x3); undefined for other parts. */
export function primitiveOfKey(key: string): string | undefined {
  const m = /^edge:([^|]+)\|/.exec(key);
  return m ? m[1] : undefined;
}

/** 1 + the learned share of the op's primitive (1 for ops that are not edge primitives, or without a share). */
function primitiveFactor(index: TableIndex, key: string): number {
  const p = primitiveOfKey(key);
  return 1 + (p === undefined ? 0 : index.primitiveScale.get(p) ?? 0);
}

/** An op's own time as predicted inside a segment: its table time × (1 + the learned share of its primitive). */
export function correctedOpUs(index: TableIndex, op: Pick<OpInstance, 'key' | 'inputs' | 'outputs'>, shapes: ReadonlyMap<string, readonly number[]>): number {
  return opTimeUs(index, op, shapes) * primitiveFactor(index, op.key);
}

/** What a segment pays at its boundaries: half a model boundary per feature-map input and output. */
export function boundaryUs(index: TableIndex, tensors: readonly string[], shapes: ReadonlyMap<string, readonly number[]>): number {
  return tensors.reduce((s, t) => {
    const shape = shapes.get(t) ?? [];
    return isFeatureMap(shape) ? s + probeCostUs(index, shape).boundaryUs / 2 : s;
  }, 0);
}

/** The learned overhead of segment `k` (the last fitted one past the end; 0 without a correction). */
export function correctionOf(index: TableIndex, k: number): number {
  const c = index.correctionUs;
  return c.length === 0 ? 0 : c[Math.min(k, c.length - 1)];
}

/** Prediction of one segment. */
export interface SegmentPrediction {
  /** Plain sum: Σ op times + segment overhead (one call and the segment's boundaries), µs. */
  sumUs: number;
  /** The prediction: the sum with the table's learned correction (when it has one), µs. */
  predictedUs: number;
  /** The op instances summed. */
  ops: number;
}

/** Predicts every segment of a prepared graph from its op instances (shapes from validateGraph). */
export function predictPreparedSegments(prepared: ModelGraph, shapes: ReadonlyMap<string, readonly number[]>, index: TableIndex): SegmentPrediction[] {
  return cutSegments(prepared).map((seg, k) => {
    const ops: OpInstance[] = opInstances(prepared, shapes, seg.nodes);
    const fixedUs = index.invokeUs + boundaryUs(index, [...seg.inputs, ...seg.outputs], shapes);
    let sumUs = fixedUs;
    let predictedUs = fixedUs + correctionOf(index, k);
    for (const op of ops) {
      const own = opTimeUs(index, op, shapes);
      sumUs += own;
      predictedUs += own * primitiveFactor(index, op.key);
    }
    return { sumUs, predictedUs, ops: ops.length };
  });
}

/** Predicts every segment of an MS-RANAS network as built (batch-norm folded and ReLU fused here, as export does). */
export function predictSegments(graph: ModelGraph, index: TableIndex): SegmentPrediction[] {
  const prepared = fuseRelu(foldBatchNorm(graph));
  return predictPreparedSegments(prepared, validateGraph(prepared), index);
}
