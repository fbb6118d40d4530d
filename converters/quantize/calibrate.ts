/**
 * Calibration: run the fp32 graph on calibration images and record each tensor's range (graph inputs and
 * every node output, keyed by tensor name). `minmax` takes the extremes; `percentile` clips outliers: it
 * takes the (100 - p)-th and p-th percentiles of all values of the tensor over all images (a second pass
 * fills a 2048-bin histogram between the extremes; error at most one bin width).
 * Run it on the graph that will be quantised (after foldBatchNorm + fuseRelu) so the names match.
 */
import { createTaskBar } from '../../src/terminal/task-bar.ts';
import { RanasError } from '../../src/errors.ts';
import type { ModelGraph } from '../../src/ir/types.ts';
import { referenceForwardFeeds } from '../reference/reference-forward.ts';

/** Real range of one tensor. */
export interface TensorRange {
  min: number;
  max: number;
}

/** Ranges by tensor name. */
export type TensorRanges = Record<string, TensorRange>;

/** Runs the fp32 graph on one image and returns every tensor (inputs and node outputs) by name. */
export type CalibrationForward = (graph: ModelGraph, image: Float32Array) => Map<string, Float32Array>;

/** Calibration options. */
export interface CalibrateOptions {
  method: 'minmax' | 'percentile';
  /** Upper percentile for `percentile` (the lower one is 100 - p), in (50, 100]. Default 99.99. */
  percentile?: number;
  /** Fewest images accepted. Default 512 (the export default of `--calib`). */
  minImages?: number;
  /** fp32 executor; default the plain-TS reference executor. */
  forward?: CalibrationForward;
}

const HISTOGRAM_BINS = 2048;

/** Default executor: every tensor of the graph through `referenceForwardFeeds`. */
export const referenceCalibrationForward: CalibrationForward = (graph, image) =>
  referenceForwardFeeds(graph, new Map([[graph.inputs[0].name, image]]), graph.nodes.map((n) => n.name), true);

function checkFinite(tensor: string, data: Float32Array, image: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      throw new RanasError('E_CALIB_NONFINITE', `tensor ${tensor} has ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'} at element ${i} on calibration image ${image}; expected finite values (check the weights and the input normalisation)`, { tensor, image, element: i });
    }
  }
}

/** The value below which `fraction` of the histogram's mass lies (linear within a bin). */
function histogramQuantile(counts: Float64Array, lo: number, hi: number, fraction: number): number {
  const total = counts.reduce((s, c) => s + c, 0);
  const target = fraction * total;
  const width = (hi - lo) / counts.length;
  let seen = 0;
  for (let b = 0; b < counts.length; b++) {
    if (seen + counts[b] >= target) {
      const within = counts[b] > 0 ? (target - seen) / counts[b] : 0;
      return lo + (b + within) * width;
    }
    seen += counts[b];
  }
  return hi;
}

/** Records the range of every tensor over the calibration images. */
export function calibrate(graph: ModelGraph, images: Float32Array[], opts: CalibrateOptions): TensorRanges {
  const minImages = opts.minImages ?? 512;
  if (images.length < minImages) {
    throw new RanasError('E_CALIB_TOO_FEW', `calibration needs at least ${minImages} images; found ${images.length}`, { found: images.length, expected: minImages });
  }
  const p = opts.percentile ?? 99.99;
  if (opts.method === 'percentile' && !(p > 50 && p <= 100)) {
    throw new RanasError('E_CALIB_OPTIONS', `percentile must be in (50, 100]; found ${p}`, { percentile: p });
  }
  const forward = opts.forward ?? referenceCalibrationForward;
  const ranges: TensorRanges = {};
  const bar = createTaskBar('calibrating', images.length);
  images.forEach((image, i) => {
    bar.update(i);
    for (const [tensor, data] of forward(graph, image)) {
      checkFinite(tensor, data, i);
      const r = (ranges[tensor] ??= { min: Infinity, max: -Infinity });
      for (let k = 0; k < data.length; k++) {
        const v = data[k];
        if (v < r.min) r.min = v;
        if (v > r.max) r.max = v;
      }
    }
  });
  bar.stop();
  if (opts.method === 'minmax' || p === 100) return ranges;

  const histograms = new Map<string, Float64Array>();
  for (const tensor of Object.keys(ranges)) histograms.set(tensor, new Float64Array(HISTOGRAM_BINS));
  for (const image of images) {
    for (const [tensor, data] of forward(graph, image)) {
      const { min, max } = ranges[tensor];
      const counts = histograms.get(tensor) as Float64Array;
      const perBin = max > min ? HISTOGRAM_BINS / (max - min) : 0;
      for (let k = 0; k < data.length; k++) counts[Math.min(HISTOGRAM_BINS - 1, Math.floor((data[k] - min) * perBin))] += 1;
    }
  }
  const clipped: TensorRanges = {};
  for (const [tensor, { min, max }] of Object.entries(ranges)) {
    const counts = histograms.get(tensor) as Float64Array;
    clipped[tensor] = max > min
      ? { min: histogramQuantile(counts, min, max, 1 - p / 100), max: histogramQuantile(counts, min, max, p / 100) }
      : { min, max };
  }
  return clipped;
}
