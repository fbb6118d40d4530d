/**
 * The demo report's three plots, in vega-lite rendered headless to SVG with vega's `View.toSVG()` (as
 * `src/eval/plot.ts` does; its accuracy-vs-MMACs plot draws the anytime curve): the anytime curve (fp32
 * and int8), the budget curve (top-1 and misses against the budget, per policy, measured on the device),
 * and the α evolution (mean softmax weight per primitive per search epoch).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { renderPlotSvg } from '../eval/plot.ts';
import type { BudgetSummary } from './budget-sweep.ts';
import type { AlphaPoint, DemoReport } from './demo-report.ts';

/** Renders a vega-lite spec to an SVG string. */
export async function renderSpecSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Budget curve: top-1 and miss rate (percent) against the budget (log axis), one colour per policy. */
export function budgetSpec(sweep: readonly BudgetSummary[], segmentP99Us: readonly number[]): TopLevelSpec {
  const values = sweep.flatMap((s) => [
    { policy: s.policy, budgetUs: s.budgetUs, measure: 'top-1 accuracy (%)', value: 100 * s.accuracy },
    { policy: s.policy, budgetUs: s.budgetUs, measure: 'misses (% of requests)', value: (100 * s.misses) / Math.max(1, s.requests) },
  ]);
  let cum = 0;
  const marks = segmentP99Us.map((p, k) => ({ exit: `exit ${k + 1} p99`, budgetUs: (cum += p) }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Budgeted inference on the device (rules: cumulative profiled p99 per exit)',
    data: { values },
    facet: { column: { field: 'measure', type: 'nominal', title: null, sort: ['top-1 accuracy (%)', 'misses (% of requests)'] } },
    spec: {
      width: 320,
      height: 220,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'budgetUs', type: 'quantitative', title: 'budget (µs, log)', scale: { type: 'log' }, axis: { format: '~s' } },
            y: { field: 'value', type: 'quantitative', title: 'percent', scale: { domain: [0, 100] }, axis: { format: 'd' } },
            color: { field: 'policy', type: 'nominal' },
            // Both policies often give the same points: dashes and shapes keep the lower line visible.
            strokeDash: { field: 'policy', type: 'nominal' },
            shape: { field: 'policy', type: 'nominal' },
          },
        },
        {
          data: { values: marks },
          mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' },
          encoding: { x: { field: 'budgetUs', type: 'quantitative' } },
        },
      ],
    },
  };
}

/** α evolution: mean softmax weight per primitive over the search epochs, one panel per cell kind. */
export function alphaSpec(points: readonly AlphaPoint[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'α evolution (softmax weight per primitive, mean over edges; epoch 0 = initialisation, uniform)',
    data: { values: points.map((p) => ({ ...p })) },
    facet: { column: { field: 'cell', type: 'nominal', title: null } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'search epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { domainMin: 0 } },
        y: { field: 'weight', type: 'quantitative', title: 'mean softmax(α)', scale: { zero: false }, axis: { format: '.5f' } },
        color: { field: 'primitive', type: 'nominal' },
      },
    },
  };
}

/** The three SVGs of the report. */
export async function demoPlots(r: DemoReport): Promise<{ anytime: string; budget: string; alpha: string }> {
  const anytimePoints = [
    ...r.anytime.fp32.map((p) => ({ model: 'fp32 (tfjs engine)', curve: 'anytime' as const, mmacs: p.mmacs, accuracy: 100 * p.accuracy })),
    ...r.anytime.int8.map((p) => ({ model: 'int8 (TFLite 2.9)', curve: 'anytime' as const, mmacs: p.mmacs, accuracy: 100 * p.accuracy })),
  ];
  return {
    anytime: await renderPlotSvg(anytimePoints, `Anytime curve on ${r.evalImages} test images`),
    budget: await renderSpecSvg(budgetSpec(r.device.sweep, r.device.profile.segments.map((s) => s.p99Us))),
    alpha: await renderSpecSvg(alphaSpec(r.alphaEvolution)),
  };
}
