import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeGraph } from '../ir/analysis.ts';
import { validateGraph } from '../ir/validate.ts';
import { PRIMITIVE_NAMES } from '../ops/primitives.ts';
import { fullCellPlan } from './cell.ts';
import { PRESETS } from './presets.ts';
import { ALPHA_NAMES, buildMsRanasSupernet, edgeRow } from './supernet.ts';

test('edge rows are numbered node by node', () => {
  const plan = fullCellPlan(3);
  assert.deepEqual([edgeRow(plan, 0, 0), edgeRow(plan, 0, 1), edgeRow(plan, 1, 0), edgeRow(plan, 1, 2), edgeRow(plan, 2, 3)], [0, 1, 2, 4, 8]);
});

test('the tiny supernet: one mixed op per live edge over all 8 primitives, shared alphas, valid IR', () => {
  const p = PRESETS.tiny;
  assert.equal(p.kind, 'ms-ranas');
  if (p.kind !== 'ms-ranas') return;
  const g = buildMsRanasSupernet(p.config);
  validateGraph(g);
  const mixed = g.nodes.filter((n) => n.op === 'mixedOp');
  // tiny: 2 scales, layers 2..4, layer 4's finest scale pruned → 5 cells × 5 edges.
  assert.equal(mixed.length, 25);
  for (const n of mixed) {
    if (n.op !== 'mixedOp') continue;
    assert.equal(n.inputs.length, 7); // every primitive but none
    assert.deepEqual(n.attrs.primitives, [...PRIMITIVE_NAMES]);
    assert.ok(n.attrs.row >= 0 && n.attrs.row < 5);
  }
  assert.deepEqual(g.weights[ALPHA_NAMES.normal].shape, [5, 8]);
  assert.deepEqual(g.weights[ALPHA_NAMES.reduce].shape, [5, 8]);
  assert.ok([...g.weights[ALPHA_NAMES.normal].data].every((v) => Math.abs(v) < 0.01));
  const cost = analyzeGraph(g);
  assert.ok(cost.exits.at(-1)!.anytimeMacs > 0);
});
