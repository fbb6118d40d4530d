/**
 * The predictor's learned correction, fitted on the table's calibration segments (`calibration-bundles.ts`:
 * random networks exported and profiled by a local agent) against the plain sum (`predict-segments.ts`).
 *
 *   measured_s − plainSum_s ≈ c_k(s) + Σ_p b_p · t_p(s)
 *
 * c_k: a constant per segment index (a real call, the agent's hand-off copies and scheduler step beyond the bare
 * `invoke` model; segment 1 starts from the image, the others hand several states over). t_p(s): the summed
 * table time of edge primitive p in segment s; b_p: the share of it the primitive costs in addition inside a
 * real segment, where the op's working set shares the caches with the rest of the segment (a sandwiched op
 * model runs alone). Fitted by ridge regression (the b_p shrunk toward 0, the c_k free), with the weight
 * chosen by leave-one-network-out cross-validation on the calibration networks themselves.
 *
 * The shares can be shrunk toward 0 or toward a common share a (b_p = a + d_p, the d_p and a penalised): a
 * segment's edges then cost a common fraction more in context, and a primitive departs from it only as far
 * as the data show. Cross-validation picks between the two with the weight. Why: with shrinkage toward 0
 * alone, what all edges share ended in the constants c_k (tiny: 48 µs on segment 3's ~200 µs), which
 * over-predicted segments made of cheap edges — seed 5 of tiny and small, whose reduction cells are all
 * max-pools, by 11–16 % in both session-7 bench runs (results/latency/README.md).
 *
 * Why not constants alone (the first version, then on 4 networks): on one quiet run's data (12 calibration
 * networks, 30 held-out networks of bench/latency-predictor.ts) constants left 91 % of the held-out segments
 * within ±10 %, the shares fitted on the same calibration segments 98 %; where the shares do not help,
 * cross-validation shrinks them to ~0 and constants remain (results/latency/README.md).
 */
import type { LatencyCorrection } from '../bundle-format/latency-table.ts';
import { RanasError } from '../errors.ts';
import type { ModelGraph } from '../ir/types.ts';
import { validateGraph } from '../ir/validate.ts';
import { cutSegments } from '../../converters/segments.ts';
import { foldBatchNorm } from '../../converters/passes/fold-batch-norm.ts';
import { fuseRelu } from '../../converters/passes/fuse-relu.ts';
import { opInstances } from './op-instances.ts';
import { calibrationKey } from './op-models.ts';
import { opTimeUs, predictPreparedSegments, primitiveOfKey, type TableIndex } from './predict-segments.ts';

/** Ridge weights tried (per calibration segment, on µs-scaled features). */
const LAMBDAS = [0, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000];

/** One calibration segment: its network, index, plain sum, measured p50 and per-primitive table time. */
interface Sample { seed: number; k: number; sumUs: number; measuredUs: number; byPrimitive: Map<string, number> }

function samplesOf(index: TableIndex, nets: ReadonlyMap<number, ModelGraph>): Sample[] {
  const plain: TableIndex = { ...index, correctionUs: [], primitiveScale: new Map() };
  const out: Sample[] = [];
  for (const [seed, graph] of nets) {
    const prepared = fuseRelu(foldBatchNorm(graph));
    const shapes = validateGraph(prepared);
    const sums = predictPreparedSegments(prepared, shapes, plain);
    cutSegments(prepared).forEach((seg, k) => {
      const measuredUs = index.p50Us.get(calibrationKey(seed, k));
      if (measuredUs === undefined) return;
      const byPrimitive = new Map<string, number>();
      for (const op of opInstances(prepared, shapes, seg.nodes)) {
        const p = primitiveOfKey(op.key);
        if (p !== undefined) byPrimitive.set(p, (byPrimitive.get(p) ?? 0) + opTimeUs(plain, op, shapes));
      }
      out.push({ seed, k, sumUs: sums[k].sumUs, measuredUs, byPrimitive });
    });
  }
  return out;
}

/** Solves A x = b (A square, symmetric positive definite here) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    if (Math.abs(m[c][c]) < 1e-12) m[c][c] = 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let j = c; j <= n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** Summed table time of a sample's edge primitives. */
const edgeUs = (s: Sample): number => [...s.byPrimitive.values()].reduce((a, b) => a + b, 0);

/** A fitted correction: constants per segment index, per-primitive deviations d_p and the common share a. */
interface Fit { c: number[]; d: number[]; a: number }

/**
 * Ridge fit of the residuals: c_k unpenalised, d_p (and a, with `common`) penalised by `lambda` × samples.
 * Without `common`, a = 0 and the shares shrink toward 0.
 */
function ridge(samples: readonly Sample[], segments: number, primitives: readonly string[], lambda: number, common: boolean): Fit {
  const row = (s: Sample) => [...Array.from({ length: segments }, (_, k) => (s.k === k ? 1 : 0)), ...primitives.map((p) => s.byPrimitive.get(p) ?? 0), ...(common ? [edgeUs(s)] : [])];
  const d = segments + primitives.length + (common ? 1 : 0);
  const ata = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const aty = new Array<number>(d).fill(0);
  for (const s of samples) {
    const x = row(s);
    const y = s.measuredUs - s.sumUs;
    for (let i = 0; i < d; i++) {
      aty[i] += x[i] * y;
      for (let j = 0; j < d; j++) ata[i][j] += x[i] * x[j];
    }
  }
  for (let i = segments; i < d; i++) ata[i][i] += lambda * samples.length;
  const w = solve(ata, aty);
  return { c: w.slice(0, segments), d: w.slice(segments, segments + primitives.length), a: common ? w[d - 1] : 0 };
}

function predictWith(s: Sample, fit: Fit, primitives: readonly string[]): number {
  return s.sumUs + fit.c[s.k] + primitives.reduce((acc, p, i) => acc + (fit.a + fit.d[i]) * (s.byPrimitive.get(p) ?? 0), 0);
}

/**
 * Fits the correction of `index`'s table on its calibration networks `nets` (by seed). Throws E_LATENCY_TABLE
 * when a segment index has no measured calibration segment.
 */
export function fitCorrection(index: TableIndex, nets: ReadonlyMap<number, ModelGraph>): LatencyCorrection {
  const samples = samplesOf(index, nets);
  const segments = Math.max(0, ...samples.map((s) => s.k + 1));
  const missing = Array.from({ length: segments }, (_, k) => k).filter((k) => !samples.some((s) => s.k === k));
  if (samples.length === 0 || missing.length > 0) {
    throw new RanasError('E_LATENCY_TABLE', `${index.source} lacks calibration segments (${samples.length} measured${missing.length ? `, none for segment ${missing.map((k) => k + 1).join(', ')}` : ''}); expected every segment index of the calibration networks measured to fit the correction`, { file: index.source });
  }
  const primitives = [...new Set(samples.flatMap((s) => [...s.byPrimitive.keys()]))].sort();
  const seeds = [...new Set(samples.map((s) => s.seed))];
  // Leave one network out: the weight (and the shrinkage target) whose fits predict the left-out network's
  // segments best (relative error). With fewer than 3 networks there is nothing to cross-validate on: the
  // strongest shrinkage toward 0.
  const cvError = (lambda: number, common: boolean) => seeds.reduce((e, seed) => {
    const fit = ridge(samples.filter((s) => s.seed !== seed), segments, primitives, lambda, common);
    return samples.filter((x) => x.seed === seed).reduce((acc, s) => acc + (predictWith(s, fit, primitives) / s.measuredUs - 1) ** 2, e);
  }, 0);
  const scored = seeds.length < 3 ? [] : [false, true].flatMap((common) => LAMBDAS.map((lambda) => ({ lambda, common, error: cvError(lambda, common) })));
  const best = scored.length === 0 ? { lambda: LAMBDAS[LAMBDAS.length - 1], common: false } : scored.reduce((a, b) => (b.error < a.error ? b : a));
  const ridgeLambda = best.lambda;
  const fit = ridge(samples, segments, primitives, ridgeLambda, best.common);
  return {
    segmentOverheadUs: fit.c,
    primitiveScale: Object.fromEntries(primitives.map((p, i) => [p, Math.max(fit.a + fit.d[i], -0.9)])),
    commonShare: fit.a,
    ridgeLambda,
    segments: samples.length,
    method: 'ridge-segment-and-primitive',
  };
}
