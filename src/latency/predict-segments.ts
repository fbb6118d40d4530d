/**
 * The segment-latency predictor: a segment's p50 = the sum of its op instances' own times + the segment
 * overhead. The table's entries are whole-model calls of sandwiched op models (`sandwich.ts`): each pays the
 * call (`invoke`), its probes and its model boundaries; an op's own time is its entry without those. The
 * segment overhead is one call plus its own boundaries (half a probe model's boundary cost per feature-map
 * input and output), plus the learned correction (`fitCorrection`) once the table has one.
 */
import { INVOKE_KEY, type LatencyCorrection, type LatencyTable } from '../bundle-format/latency-table.ts';
import { RanasError } from '../errors.ts';
import type { ModelGraph } from '../ir/types.ts';
import { validateGraph } from '../ir/validate.ts';
import { cutSegments } from '../../converters/segments.ts';
import { foldBatchNorm } from '../../converters/passes/fold-batch-norm.ts';
import { fuseRelu } from '../../converters/passes/fuse-relu.ts';
import { opInstances, type OpInstance } from './op-instances.ts';
import { calibrationKey, probeKey } from './op-models.ts';

/** A table's entries by key, with the invocation entry's p50. */
export interface TableIndex {
  p50Us: ReadonlyMap<string, number>;
  invokeUs: number;
  /** The learned overhead of each segment index (empty when the table has none: the plain sum). */
  correctionUs: readonly number[];
  source: string;
}

/** Indexes a table (E_LATENCY_TABLE when it has no invocation entry). */
export function indexTable(table: LatencyTable, source = 'latency table'): TableIndex {
  const p50Us = new Map(table.entries.map((e) => [e.key, e.p50Us]));
  const invokeUs = p50Us.get(INVOKE_KEY);
  if (invokeUs === undefined) throw new RanasError('E_LATENCY_TABLE', `${source} has no '${INVOKE_KEY}' entry; expected the invocation model measured first (rerun profile-ops to complete it)`, { file: source });
  return { p50Us, invokeUs, correctionUs: table.correction?.segmentOverheadUs ?? [], source };
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
  /** The prediction: the plain sum plus the table's learned segment overhead (when it has one), µs. */
  predictedUs: number;
  /** The op instances summed. */
  ops: number;
}

/** Predicts every segment of a prepared graph from its op instances (shapes from validateGraph). */
export function predictPreparedSegments(prepared: ModelGraph, shapes: ReadonlyMap<string, readonly number[]>, index: TableIndex): SegmentPrediction[] {
  return cutSegments(prepared).map((seg, k) => {
    const ops: OpInstance[] = opInstances(prepared, shapes, seg.nodes);
    const sumUs = ops.reduce((s, op) => s + opTimeUs(index, op, shapes), 0) + index.invokeUs + boundaryUs(index, [...seg.inputs, ...seg.outputs], shapes);
    return { sumUs, predictedUs: sumUs + correctionOf(index, k), ops: ops.length };
  });
}

/**
 * The learned correction: per segment index k, the mean residual (measured − plain sum) over segment k of the
 * calibration networks (`calibration-bundles.ts`: bundles profiled by a local agent); `nets` are those
 * networks, by seed. Why additive constants: on the tiny preset a least-squares fit of measured ≈ a·sum + c
 * gave a = 1.008 (onnxruntime, 1 thread): the plain sum misses a fixed cost per segment (the agent's hand-off
 * copies and scheduler step, a real call's cost beyond the bare `invoke` model's), not a proportional one.
 * Per segment index because that cost differs by position (segment 1 starts from the image, the others hand
 * several states over); one constant per exit cannot overfit four calibration networks.
 */
export function fitCorrection(index: TableIndex, nets: ReadonlyMap<number, ModelGraph>): LatencyCorrection {
  const residuals: number[][] = [];
  for (const [seed, graph] of nets) {
    predictSegments(graph, { ...index, correctionUs: [] }).forEach((p, k) => {
      const measured = index.p50Us.get(calibrationKey(seed, k));
      if (measured !== undefined) (residuals[k] ??= []).push(measured - p.sumUs);
    });
  }
  const segments = residuals.reduce((s, r) => s + (r?.length ?? 0), 0);
  if (segments === 0 || residuals.some((r) => r === undefined)) throw new RanasError('E_LATENCY_TABLE', `${index.source} lacks calibration segments (${segments} measured); expected every segment index of the calibration networks measured to fit the correction`, { file: index.source });
  return { segmentOverheadUs: residuals.map((r) => r.reduce((a, b) => a + b, 0) / r.length), segments, method: 'mean-residual-per-segment' };
}

/** Predicts every segment of an MS-RANAS network as built (batch-norm folded and ReLU fused here, as export does). */
export function predictSegments(graph: ModelGraph, index: TableIndex): SegmentPrediction[] {
  const prepared = fuseRelu(foldBatchNorm(graph));
  return predictPreparedSegments(prepared, validateGraph(prepared), index);
}
