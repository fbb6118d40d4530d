/**
 * Accuracy-vs-cost curves as SVG (vega-lite compiled to vega, rendered headless): accuracy (0–100 %, with the
 * chance line) against a cost axis (MACs or milliseconds), one line per network; published points drawn as
 * hollow marks and named as published in the legend. The study's plots and the search's candidate curves.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One point of a curve. */
export interface CurvePoint {
  series: string;
  /** Cost: MACs / 1e6, or milliseconds. */
  x: number;
  /** Top-1, percent. */
  accuracy: number;
  /** Published at full scale (drawn hollow, not joined to ours). */
  published?: boolean;
}

/**
 * A y range around the points (whole 5 % steps, at least 2 points of margin) for plots whose curves sit close
 * together far above chance: on 0-100 % they would be indistinguishable. Null when the points reach down to 10 %.
 */
export function zoomedAccuracyDomain(points: readonly CurvePoint[]): [number, number] | null {
  if (points.length === 0) return null;
  const lo = Math.floor((Math.min(...points.map((p) => p.accuracy)) - 2) / 5) * 5;
  const hi = Math.min(100, Math.ceil((Math.max(...points.map((p) => p.accuracy)) + 2) / 5) * 5);
  return lo <= 10 ? null : [lo, hi];
}

/** The vega-lite spec of one plot; `yDomain` zooms the accuracy axis (the chance line is left out when below it). */
export function curveSpec(points: CurvePoint[], title: string, xTitle: string, chancePercent: number, log = false, yDomain: [number, number] | null = null): TopLevelSpec {
  const ours = points.filter((p) => !p.published);
  const published = points.filter((p) => p.published);
  const domain = yDomain ?? [0, 100];
  const chanceLayers = chancePercent < domain[0] ? [] : [
    {
      data: { values: [{ chance: chancePercent }] },
      mark: { type: 'rule' as const, strokeDash: [4, 4], color: '#888' },
      encoding: { y: { field: 'chance', type: 'quantitative' as const } },
    },
    {
      data: { values: [{ chance: chancePercent, label: `chance (${chancePercent} %)` }] },
      mark: { type: 'text' as const, align: 'left' as const, dx: 4, dy: -6, color: '#666' },
      encoding: { y: { field: 'chance', type: 'quantitative' as const }, x: { value: 0 }, text: { field: 'label' } },
    },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, anchor: 'start' },
    width: 520,
    height: 320,
    layer: [
      ...chanceLayers,
      {
        data: { values: ours.map((p) => ({ ...p })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: xTitle, scale: log ? { type: 'log' } : { zero: true } },
          y: { field: 'accuracy', type: 'quantitative', title: yDomain ? `top-1 accuracy (%, axis from ${domain[0]})` : 'top-1 accuracy (%)', scale: { domain } },
          color: { field: 'series', type: 'nominal', title: null },
          order: { field: 'x', type: 'quantitative' },
        },
      },
      ...(published.length === 0 ? [] : [{
        data: { values: published.map((p) => ({ ...p })) },
        mark: { type: 'point' as const, filled: false, size: 60 },
        encoding: {
          x: { field: 'x', type: 'quantitative' as const },
          y: { field: 'accuracy', type: 'quantitative' as const },
          shape: { field: 'series', type: 'nominal' as const, title: 'published (full scale)' },
          color: { value: '#444' },
        },
      }]),
    ],
    resolve: { scale: { color: 'independent', shape: 'independent' } },
    // Network names and the published curves' sources are long: the legend shows them whole.
    config: { legend: { labelLimit: 480, titleLimit: 480 } },
  };
}

/** Renders one plot to SVG. */
export async function renderCurveSvg(points: CurvePoint[], title: string, xTitle: string, chancePercent: number, log = false, yDomain: [number, number] | null = null): Promise<string> {
  const compiled = compile(curveSpec(points, title, xTitle, chancePercent, log, yDomain)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
