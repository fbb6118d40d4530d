/**
 * Precision chosen by measurement: a bundle's segment can carry the same cut in another precision
 * (`BundleSegment.variants`, e.g. an int8 bundle with fp32 segments beside). This module answers, from the
 * manifest alone, which forms of a segment exist, which of them meet the accuracy the manifest states, and
 * what model input a chain starting with a given form takes. The device measures their speed and runs, per
 * segment, the fastest allowed form (device/agent/segment-plan.ts).
 */
import { RanasError } from '../errors.ts';
import type { BundleInput, BundleManifest, BundlePrecision, BundleTensor } from './manifest.ts';

/** Top-1 tolerance when the manifest does not state one: half a point. */
export const DEFAULT_PRECISION_TOLERANCE = 0.005;

/** Segment k in one precision: its file, its boundary tensors and the accuracy of its exit when measured. */
export interface SegmentForm {
  precision: BundlePrecision;
  file: string;
  inputs: BundleTensor[];
  outputs: BundleTensor[];
  accuracy?: number;
}

/** Every form of segment k: the manifest's own precision first, then its variants. */
export function segmentForms(m: BundleManifest, k: number): SegmentForm[] {
  const s = m.segments[k];
  const own: SegmentForm = { precision: m.precision, file: s.file, inputs: s.inputs, outputs: s.outputs, ...(s.exit.accuracy === undefined ? {} : { accuracy: s.exit.accuracy }) };
  return [own, ...(s.variants ?? []).map((v) => ({ precision: v.precision, file: v.file, inputs: v.inputs, outputs: v.outputs, ...(v.accuracy === undefined ? {} : { accuracy: v.accuracy }) }))];
}

/** Segment k in `precision`; E_BUNDLE_PRECISION when the bundle does not carry it. */
export function segmentForm(m: BundleManifest, k: number, precision: BundlePrecision): SegmentForm {
  const forms = segmentForms(m, k);
  const f = forms.find((x) => x.precision === precision);
  if (!f) throw new RanasError('E_BUNDLE_PRECISION', `segment ${k} of ${m.model.name} has no ${precision} form; it carries ${forms.map((x) => x.precision).join(', ')}`, { segment: k, precision });
  return f;
}

/** Every precision some segment of the bundle carries, the manifest's first. */
export function bundlePrecisions(m: BundleManifest): BundlePrecision[] {
  return [...new Set(m.segments.flatMap((_, k) => segmentForms(m, k).map((f) => f.precision)))];
}

/**
 * Precisions segment k may run in: those whose exit accuracy is within the manifest's tolerance of the best
 * measured at that exit. A form can be vouched for only by a measured accuracy, so when any form of the
 * segment lacks one, only the manifest's own precision is allowed.
 */
export function allowedPrecisions(m: BundleManifest, k: number): BundlePrecision[] {
  const forms = segmentForms(m, k);
  if (forms.length === 1 || forms.some((f) => f.accuracy === undefined)) return [m.precision];
  const tolerance = m.precisionChoice?.toleranceTop1 ?? DEFAULT_PRECISION_TOLERANCE;
  const best = Math.max(...forms.map((f) => f.accuracy ?? 0));
  // A tiny epsilon so that a tolerance stated in points (0.5 → 0.005) is not lost to floating-point rounding.
  return forms.filter((f) => (f.accuracy ?? 0) >= best - tolerance - 1e-9).map((f) => f.precision);
}

/** The model input a chain takes when its first segment runs as `first` (dtype and quantisation of that form). */
export function inputOfForm(input: BundleInput, first: SegmentForm): BundleInput {
  const t = first.inputs[0];
  if (!t || t.dtype === input.dtype && t.scale === input.scale && t.zeroPoint === input.zeroPoint) return input;
  const { scale: _s, zeroPoint: _z, ...rest } = input;
  return { ...rest, dtype: t.dtype, ...(t.scale === undefined ? {} : { scale: t.scale }), ...(t.zeroPoint === undefined ? {} : { zeroPoint: t.zeroPoint }) };
}
