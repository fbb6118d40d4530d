/**
 * The evaluation plot: accuracy vs MMACs (trunk + every head up to the exit), one panel for the anytime curve (a point per exit, labelled
 * "exit k") and one for budgeted-batch evaluation, one colour per model. Fixed-meaning axes: accuracy 0–100 %
 * with the chance line (100 / classes) dashed, both panels on one MMACs range; the caption says how many
 * test images each curve used. Specified in vega-lite, compiled to vega and rendered headless to SVG with
 * `View.toSVG()` (no canvas needed for SVG).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One plotted point. */
export interface PlotPoint {
  model: string;
  curve: 'anytime' | 'budgeted';
  mmacs: number;
  /** Accuracy in percent. */
  accuracy: number;
  /** 1-based exit of an anytime point (labelled on the plot). */
  exit?: number;
}

/** What the plot says around its points. */
export interface PlotText {
  title: string;
  /** Under the title: sample sizes and what the marks mean. */
  caption?: string;
  /** Number of classes: draws the chance line at 100 / classes %. */
  classes?: number;
}

const CURVE_TITLES: Record<PlotPoint['curve'], string> = {
  anytime: 'anytime: every image leaves at exit k',
  budgeted: 'budgeted batch: confidence thresholds per budget',
};

const X = { field: 'mmacs', type: 'quantitative' as const, title: 'MMACs per image (trunk + heads up to the exit)', scale: { zero: true, nice: true } };
const Y = { field: 'accuracy', type: 'quantitative' as const, title: 'top-1 accuracy (%)', scale: { domain: [0, 100] } };

/** The vega-lite specification of the plot (exported for tests). */
export function plotSpec(points: PlotPoint[], text: PlotText | string): TopLevelSpec {
  const t: PlotText = typeof text === 'string' ? { title: text } : text;
  const chance = t.classes ? 100 / t.classes : undefined;
  // Fixed panel order (anytime, then budgeted), whatever order the points come in.
  const curves = (['anytime', 'budgeted'] as const).filter((c) => points.some((p) => p.curve === c));
  const caption = [t.caption, chance === undefined ? undefined : `dashed line: chance (${chance.toFixed(1)} % = 1 in ${t.classes} classes)`].filter(Boolean).join('; ');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: t.title, subtitle: caption || undefined, anchor: 'start' },
    data: { values: points.map((p) => ({ ...p, curveTitle: CURVE_TITLES[p.curve], exitLabel: p.exit === undefined ? '' : `exit ${p.exit}` })) },
    facet: { column: { field: 'curveTitle', type: 'nominal', title: null, sort: curves.map((c) => CURVE_TITLES[c]) } },
    spec: {
      width: 340,
      height: 250,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: { x: X, y: Y, color: { field: 'model', type: 'nominal', title: 'model', legend: { labelLimit: 640 } }, order: { field: 'mmacs', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', dy: -10, fontSize: 10, color: '#444' },
          encoding: { x: X, y: Y, text: { field: 'exitLabel', type: 'nominal' } },
        },
        ...(chance === undefined ? [] : [{ mark: { type: 'rule' as const, strokeDash: [5, 4], color: '#999' }, encoding: { y: { datum: chance, type: 'quantitative' as const, scale: { domain: [0, 100] } } } }]),
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}

/** Renders the plot to an SVG string. */
export async function renderPlotSvg(points: PlotPoint[], text: PlotText | string): Promise<string> {
  const compiled = compile(plotSpec(points, text)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
