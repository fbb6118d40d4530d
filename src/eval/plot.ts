/**
 * The evaluation plot: accuracy vs MMACs, one panel for the anytime curve (a point per exit) and one for
 * budgeted-batch evaluation, one colour per model. Specified in vega-lite, compiled to vega and rendered
 * headless to SVG with `View.toSVG()` (no canvas needed for SVG).
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
}

/** The vega-lite specification of the plot (exported for tests). */
export function plotSpec(points: PlotPoint[], title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: points.map((p) => ({ ...p })) },
    facet: { column: { field: 'curve', type: 'nominal', title: null, sort: ['anytime', 'budgeted'] } },
    spec: {
      width: 320,
      height: 240,
      layer: [
        { mark: { type: 'line', point: true } },
      ],
      encoding: {
        x: { field: 'mmacs', type: 'quantitative', title: 'MMACs (trunk + every head up to the exit, multiply-adds / 1e6)', scale: { zero: false } },
        y: { field: 'accuracy', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { zero: false } },
        color: { field: 'model', type: 'nominal', title: 'model' },
        order: { field: 'mmacs', type: 'quantitative' },
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
}

/** Renders the plot to an SVG string. */
export async function renderPlotSvg(points: PlotPoint[], title: string): Promise<string> {
  const compiled = compile(plotSpec(points, title)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
