import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduledLr } from './lr-schedule.ts';
import type { LrSchedule } from './lr-schedule.ts';

// The schedules of the recipes in src/train/recipes.ts (MSDNet, DARTS, quick).
const RECIPES: Record<'msdnet' | 'darts' | 'quick', { schedule: LrSchedule; lr: number; lrMin: number }> = {
  msdnet: { schedule: { kind: 'step', milestones: [0.5, 0.75], factor: 0.1 }, lr: 0.1, lrMin: 0 },
  darts: { schedule: { kind: 'cosine-per-epoch' }, lr: 0.025, lrMin: 0 },
  quick: { schedule: { kind: 'cosine-per-step' }, lr: 0.05, lrMin: 0 },
};

const at = (epoch: number, epochs: number, step = 0, totalSteps = 1) => ({ epoch, epochs, step, totalSteps });

test('msdnet schedule: lr 0.1, ÷10 from 50 % and ÷100 from 75 % of the epochs, rescaled by --epochs', () => {
  const r = RECIPES.msdnet;
  const lr = (e: number, epochs: number) => scheduledLr(r.schedule, at(e, epochs), r.lr, r.lrMin);
  // 300 epochs (0-based here; gaohuang/MSDNet's 1-based epoch >= 150 is our epoch 149): 149 → 0.01.
  assert.deepEqual([lr(0, 300), lr(148, 300), lr(150, 300), lr(224, 300), lr(225, 300), lr(299, 300)].map((x) => +x.toPrecision(6)), [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
  // --epochs 4: milestones at epochs 2 and 3.
  assert.deepEqual([0, 1, 2, 3].map((e) => +lr(e, 4).toPrecision(6)), [0.1, 0.1, 0.01, 0.001]);
});

test('darts schedule: cosine from 0.025 to 0 stepped per epoch (constant within an epoch)', () => {
  const r = RECIPES.darts;
  const lr = (e: number, step: number) => scheduledLr(r.schedule, at(e, 600, step, 600 * 500), r.lr, r.lrMin);
  assert.equal(lr(0, 0), 0.025);
  assert.equal(lr(0, 499), 0.025);
  assert.ok(Math.abs(lr(300, 150000) - 0.0125) < 1e-12);
  assert.ok(Math.abs(lr(599, 0) - 0.025 * (1 + Math.cos(Math.PI * 599 / 600)) / 2) < 1e-15);
});

test('quick schedule: cosine per step', () => {
  const r = RECIPES.quick;
  assert.ok(Math.abs(scheduledLr(r.schedule, at(0, 1, 50, 100), r.lr, 0) - 0.025) < 1e-12);
});
