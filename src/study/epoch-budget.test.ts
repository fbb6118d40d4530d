import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitEpochBudget, goalEpochs } from './epoch-budget.ts';

test('a power law through exact points is recovered and solved for the goal', () => {
  // err = 0.6 · E^-0.5: E 4 → 0.3, E 16 → 0.15, E 36 → 0.1.
  const fit = fitEpochBudget([{ epochs: 4, top1: 0.7 }, { epochs: 16, top1: 0.85 }, { epochs: 36, top1: 0.9 }], 0.88);
  assert.ok(fit);
  assert.ok(Math.abs(fit.a - 0.6) < 1e-9 && Math.abs(fit.k - 0.5) < 1e-9, JSON.stringify(fit));
  assert.ok(fit.worstLogResidual < 1e-9);
  // 0.12 = 0.6 · E^-0.5 → E = 25.
  assert.ok(fit.epochsToGoal !== null && Math.abs(fit.epochsToGoal - 25) < 1e-6, String(fit.epochsToGoal));
});

test('points off a power law show it in the residual; two points fit exactly', () => {
  const fit = fitEpochBudget([{ epochs: 5, top1: 0.7 }, { epochs: 10, top1: 0.72 }, { epochs: 15, top1: 0.83 }], 0.85);
  assert.ok(fit && fit.worstLogResidual > 0.05, JSON.stringify(fit));
  const two = fitEpochBudget([{ epochs: 5, top1: 0.76 }, { epochs: 15, top1: 0.83 }], 0.85);
  assert.ok(two && two.worstLogResidual < 1e-12 && two.epochsToGoal !== null && two.epochsToGoal > 15);
});

test('no fit from one epoch count, and no goal when error does not fall with epochs', () => {
  assert.equal(fitEpochBudget([{ epochs: 15, top1: 0.8 }, { epochs: 15, top1: 0.81 }], 0.85), null);
  assert.equal(fitEpochBudget([{ epochs: 5, top1: 0.8 }], 0.85), null);
  assert.equal(fitEpochBudget([{ epochs: 5, top1: 0.8 }, { epochs: 10, top1: 0.9 }], 1), null);
  const flat = fitEpochBudget([{ epochs: 5, top1: 0.8 }, { epochs: 10, top1: 0.79 }], 0.85);
  assert.ok(flat && flat.k < 0 && flat.epochsToGoal === null);
});

test('the goal run trains margin × the fit\'s epochs, within one more than the fitted run and the cap', () => {
  const rule = { margin: 1.5, maxEpochs: 30 };
  // err = 0.6 · E^-0.5 reaches 12 % at E = 25: 1.5 × 25 = 37.5 → capped at 30.
  const fit = fitEpochBudget([{ epochs: 4, top1: 0.7 }, { epochs: 16, top1: 0.85 }], 0.88);
  assert.equal(goalEpochs(fit, 16, rule), 30);
  assert.equal(goalEpochs(fit, 16, { margin: 1.1, maxEpochs: 30 }), 28); // ceil(27.5)
  // A goal the fit puts before the longest run: still one epoch more than it.
  assert.equal(goalEpochs(fitEpochBudget([{ epochs: 4, top1: 0.7 }, { epochs: 16, top1: 0.85 }], 0.75), 16, rule), 17);
  // No answer from the fit (error not falling, or no fit): the cap.
  assert.equal(goalEpochs(fitEpochBudget([{ epochs: 5, top1: 0.8 }, { epochs: 10, top1: 0.79 }], 0.85), 10, rule), 30);
  assert.equal(goalEpochs(null, 15, rule), 30);
});
