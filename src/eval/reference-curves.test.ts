import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../errors.ts';
import { loadReferenceCurves, parseReferenceCurve, referenceCurveIds } from './reference-curves.ts';
import { plotPoints } from './report.ts';

test('shipped reference curves validate, name their source commit, and hold the script\'s values halved (MUL-ADD as plotted)', () => {
  assert.deepEqual(referenceCurveIds(), ['msdnet-cifar10-budgeted', 'msdnet-cifar100-budgeted']);
  const curves = loadReferenceCurves('all');
  for (const c of curves) {
    assert.match(c.source.commit, /^[0-9a-f]{40}$/);
    assert.equal(c.setting, 'budgeted');
    assert.ok(c.points.every((p, i) => i === 0 || p.mmacs >= c.points[i - 1].mmacs), `${c.id}: sorted by cost`);
  }
  // early_exit_plot_c10.py line 65: flops[0] = 12220155.164, acc[0] = 0.8851; plotted at x / 2.
  assert.deepEqual(curves[0].points[0], { mmacs: 6.110078, accuracy: 88.51 });
  assert.equal(curves[1].points.length, 139);
  const pts = plotPoints([], curves);
  assert.equal(pts.length, 22 + 139);
  assert.ok(pts.every((p) => p.curve === 'budgeted' && p.model.endsWith('[published]')));
});

test('a curve without its source or with an out-of-range point is refused, naming the file and field', () => {
  const ok = { name: 'x', dataset: 'cifar10', setting: 'anytime', unit: 'MMACs', opCountConvention: 'conv MACs', accuracy: 'top-1 %',
    source: { description: 'd', repository: 'r', file: 'f', commit: 'c' }, points: [{ mmacs: 1, accuracy: 50 }] };
  assert.equal(parseReferenceCurve(ok, 'ok.json').points.length, 1);
  assert.throws(() => parseReferenceCurve({ ...ok, source: undefined }, 'a.json'), (e: unknown) => isRanasError(e, 'E_REFERENCE_CURVE') && /a\.json: field source/.test(e.message));
  assert.throws(() => parseReferenceCurve({ ...ok, points: [{ mmacs: 1, accuracy: 150 }] }, 'b.json'), (e: unknown) => isRanasError(e, 'E_REFERENCE_CURVE') && /points\[0\]/.test(e.message));
  assert.throws(() => loadReferenceCurves(['nope']), (e: unknown) => isRanasError(e, 'E_REFERENCE_CURVE') && /expected one of msdnet-cifar10-budgeted/.test(e.message));
});
