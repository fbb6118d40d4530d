/**
 * The anytime curve: for each exit, its cumulative cost and accuracy, and the normalised area under it.
 *
 * Cost unit: MFLOPs = cumulative multiply-accumulates / 1e6, i.e. one multiply-add counts as one FLOP, the
 * convention of MSDNet's op counter and of the MS-RANAS paper's plots.
 *
 * Area: trapezoid rule over (MFLOPs, accuracy) from the first to the last exit, divided by the MFLOPs span,
 * so it is the mean accuracy over the model's own budget range (in [0, 1]; a single-exit model's area is
 * its accuracy). Models compared by area should cover similar ranges; `areaUnder` also takes an explicit
 * range for that (accuracy held constant before the first exit is reached counts as 0, after the last as
 * the last exit's accuracy).
 */

/** One point of the curve. */
export interface AnytimePoint {
  exit: number;
  mflops: number;
  accuracy: number;
}

/** Points of the anytime curve (one per exit, in exit order). */
export function anytimeCurve(cumulativeMacs: number[], accuracy: number[]): AnytimePoint[] {
  return cumulativeMacs.map((macs, k) => ({ exit: k, mflops: macs / 1e6, accuracy: accuracy[k] }));
}

/**
 * Normalised area under a piecewise-linear curve of points sorted by `mflops`. Without `range`: over
 * [first, last] point (one point → its accuracy). With `range` [lo, hi]: 0 before the first point, the last
 * accuracy after the last point.
 */
export function areaUnder(points: { mflops: number; accuracy: number }[], range?: [number, number]): number {
  const pts = [...points].sort((a, b) => a.mflops - b.mflops);
  if (pts.length === 0) return 0;
  const lo = range ? range[0] : pts[0].mflops;
  const hi = range ? range[1] : pts[pts.length - 1].mflops;
  if (!(hi > lo)) return pts[pts.length - 1].accuracy;
  const at = (x: number): number => {
    if (x < pts[0].mflops) return 0;
    for (let i = 1; i < pts.length; i++) {
      if (x <= pts[i].mflops) {
        const a = pts[i - 1], b = pts[i];
        return b.mflops === a.mflops ? b.accuracy : a.accuracy + ((x - a.mflops) / (b.mflops - a.mflops)) * (b.accuracy - a.accuracy);
      }
    }
    return pts[pts.length - 1].accuracy;
  };
  const xs = [lo, ...pts.map((p) => p.mflops).filter((x) => x > lo && x < hi), hi];
  let area = 0;
  for (let i = 1; i < xs.length; i++) {
    // A step from 0 to the first accuracy at the first point: nothing accrues before it.
    const a = xs[i - 1], b = xs[i];
    if (b <= pts[0].mflops) continue;
    area += ((at(a) + at(b)) / 2) * (b - a);
  }
  return area / (hi - lo);
}
