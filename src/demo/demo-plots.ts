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
import { CIFAR10_CLASSES } from '../data/cifar-checksums.ts';
import { cellDiagramSvg } from '../model/cell-diagram.ts';
import { loadGenotype } from '../model/genotype.ts';
import { PRIMITIVE_NAMES } from '../ops/primitives.ts';
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

/** Budget curve: top-1 and miss rate against the budget (log axis), one colour per policy, one panel each. */
export function budgetSpec(sweep: readonly BudgetSummary[], segmentP99Us: readonly number[], classes = CIFAR10_CLASSES.length): TopLevelSpec {
  const values = sweep.map((s) => ({ policy: s.policy, budgetUs: s.budgetUs, accuracy: 100 * s.accuracy, misses: (100 * s.misses) / Math.max(1, s.requests) }));
  let cum = 0;
  const marks = segmentP99Us.map((p, k) => ({ label: `exit ${k + 1}`, budgetUs: (cum += p) }));
  const budgets = [...sweep.map((s) => s.budgetUs), ...marks.map((m) => m.budgetUs)].filter((b) => b > 0);
  const domain = budgets.length ? [Math.min(...budgets) / 1.3, Math.max(...budgets) * 1.3] : [1, 1e6];
  const images = [...new Set(sweep.map((s) => s.requests))];
  const x = { field: 'budgetUs', type: 'quantitative' as const, title: 'latency budget (µs, log scale)', scale: { type: 'log' as const, domain }, axis: { format: '~s' } };
  const panel = (field: 'accuracy' | 'misses', title: string, chance: boolean): NonNullable<Extract<TopLevelSpec, { hconcat: unknown }>['hconcat']>[number] => ({
    width: 330,
    height: 220,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field, type: 'quantitative', title, scale: { domain: [0, 100] } },
          color: { field: 'policy', type: 'nominal' },
          // Both policies often give the same points: dashes and shapes keep the lower line visible.
          strokeDash: { field: 'policy', type: 'nominal' },
          shape: { field: 'policy', type: 'nominal' },
        },
      },
      { data: { values: marks }, mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' }, encoding: { x: { field: 'budgetUs', type: 'quantitative' } } },
      { data: { values: marks }, mark: { type: 'text', angle: 270, align: 'right', dx: -4, dy: -4, fontSize: 10, color: '#555' }, encoding: { x: { field: 'budgetUs', type: 'quantitative' }, y: { value: 4 }, text: { field: 'label' } } },
      ...(chance ? [{ mark: { type: 'rule' as const, strokeDash: [2, 2], color: '#bbb' }, encoding: { y: { datum: 100 / classes, type: 'quantitative' as const } } }] : []),
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Budgeted inference on the device',
      subtitle: [
        `${images.length === 1 ? images[0] : images.join('/')} test images per budget and policy (the per-exit table above uses more: see its caption)`,
        'grey dashed lines "exit k": cumulative profiled p99 up to exit k — from that budget on, exit k can be reached; light dotted line: chance',
      ],
      anchor: 'start',
    },
    hconcat: [panel('accuracy', 'top-1 accuracy (% of answers)', true), panel('misses', 'missed budgets (% of requests)', false)],
    resolve: { scale: { color: 'shared', strokeDash: 'shared', shape: 'shared' } },
  };
}

/** α evolution: mean softmax weight per primitive over the search epochs, one panel per cell kind, with the uniform 1/K line. */
export function alphaSpec(points: readonly AlphaPoint[]): TopLevelSpec {
  const k = PRIMITIVE_NAMES.length;
  const top = Math.min(1, Math.max(3 / k, ...points.map((p) => p.weight)) * 1.05);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'α evolution: softmax weight per primitive, mean over the cell\'s edges',
      subtitle: `epoch 0 = initialisation; dashed line = uniform weight 1/${k} (${(1 / k).toFixed(3)}): a primitive above it is gaining, below it losing`,
      anchor: 'start',
    },
    data: { values: points.map((p) => ({ ...p })) },
    facet: { column: { field: 'cell', type: 'nominal', title: null } },
    spec: {
      width: 320,
      height: 220,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'search epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { domainMin: 0 } },
            y: { field: 'weight', type: 'quantitative', title: 'mean softmax(α)', scale: { domain: [0, top] }, axis: { format: '.2f' } },
            color: { field: 'primitive', type: 'nominal' },
          },
        },
        { mark: { type: 'rule', strokeDash: [5, 4], color: '#666' }, encoding: { y: { datum: 1 / k, type: 'quantitative' } } },
      ],
    },
  };
}

/** The three SVGs of the report. */
export async function demoPlots(r: DemoReport): Promise<{ anytime: string; budget: string; alpha: string; cells: string }> {
  const anytimePoints = [
    ...r.anytime.fp32.map((p) => ({ model: 'fp32 (tfjs engine)', curve: 'anytime' as const, mmacs: p.mmacs, accuracy: 100 * p.accuracy, exit: p.exit + 1 })),
    ...r.anytime.int8.map((p) => ({ model: `int8 (${r.bundle}, on the host)`, curve: 'anytime' as const, mmacs: p.mmacs, accuracy: 100 * p.accuracy })),
  ];
  return {
    anytime: await renderPlotSvg(anytimePoints, { title: 'Anytime curve', caption: `fp32 and int8 top-1 on the same ${r.evalImages} test images`, classes: CIFAR10_CLASSES.length }),
    budget: await renderSpecSvg(budgetSpec(r.device.sweep, r.device.profile.segments.map((s) => s.p99Us))),
    alpha: await renderSpecSvg(alphaSpec(r.alphaEvolution)),
    cells: cellDiagramSvg(loadGenotype(r.search.genotypePath), `Searched cells (genotype ${r.search.genotypeHash})`),
  };
}
