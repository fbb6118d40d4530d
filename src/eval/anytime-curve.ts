/**
 * The anytime curve: for each exit, its cost and accuracy, and the normalised area under it.
 *
 * Cost of exit k: MMACs = millions of multiply-accumulates of the trunk up to exit k plus every classifier
 * head up to k — what the device pays answering at exit k after running segments 0..k (`ir/analysis.ts`
 * `anytimeMacs`). MSDNet's papers plot the same quantity and call it FLOPs (one multiply-add = one FLOP);
 * tables that want FLOPs as 2 × MACs say so.
 *
 * Area: trapezoid rule over (MMACs, accuracy) from the first to the last exit, divided by the MMACs span,
 * so it is the mean accuracy over the model's own budget range (in [0, 1]; a single-exit model's area is
 * its accuracy). Models compared by area should cover similar ranges; `areaUnder` also takes an explicit
 * range for that (accuracy held constant before the first exit is reached counts as 0, after the last as
 * the last exit's accuracy).
 */

/** One point of the curve. */
export interface AnytimePoint {
  exit: number;
  mmacs: number;
  accuracy: number;
}

/** Points of the anytime curve (one per exit, in exit order). */
export function anytimeCurve(exitMacs: number[], accuracy: number[]): AnytimePoint[] {
  return exitMacs.map((macs, k) => ({ exit: k, mmacs: macs / 1e6, accuracy: accuracy[k] }));
}

/**
 * Normalised area under a piecewise-linear curve of points sorted by `mmacs`. Without `range`: over
 * [first, last] point (one point → its accuracy). With `range` [lo, hi]: 0 before the first point, the last
 * accuracy after the last point.
 */
export function areaUnder(points: { mmacs: number; accuracy: number }[], range?: [number, number]): number {
  const pts = [...points].sort((a, b) => a.mmacs - b.mmacs);
  if (pts.length === 0) return 0;
  const lo = range ? range[0] : pts[0].mmacs;
  const hi = range ? range[1] : pts[pts.length - 1].mmacs;
  if (!(hi > lo)) return pts[pts.length - 1].accuracy;
  const at = (x: number): number => {
    if (x < pts[0].mmacs) return 0;
    for (let i = 1; i < pts.length; i++) {
      if (x <= pts[i].mmacs) {
        const a = pts[i - 1], b = pts[i];
        return b.mmacs === a.mmacs ? b.accuracy : a.accuracy + ((x - a.mmacs) / (b.mmacs - a.mmacs)) * (b.accuracy - a.accuracy);
      }
    }
    return pts[pts.length - 1].accuracy;
  };
  const xs = [lo, ...pts.map((p) => p.mmacs).filter((x) => x > lo && x < hi), hi];
  let area = 0;
  for (let i = 1; i < xs.length; i++) {
    // A step from 0 to the first accuracy at the first point: nothing accrues before it.
    const a = xs[i - 1], b = xs[i];
    if (b <= pts[0].mmacs) continue;
    area += ((at(a) + at(b)) / 2) * (b - a);
  }
  return area / (hi - lo);
}
