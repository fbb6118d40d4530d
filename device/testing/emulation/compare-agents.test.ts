import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agreementRule, compareAnswers } from './compare-agents.ts';

const exit = (exitIndex: number, logits: number[]) => {
  const best = logits.indexOf(Math.max(...logits));
  return { exitIndex, classIndex: best, confidence: 0.5, logits };
};

test('compareAnswers: identical answers agree; a label flip is allowed only where the logits moved at least half the margin', () => {
  const rule = agreementRule('int8');
  const a = [[exit(0, [10, 0, 0]), exit(1, [5, 4, 0])]];
  assert.equal(compareAnswers(a, a, rule).ok, true);
  assert.deepEqual(compareAnswers(a, a, rule).exits.map((e) => [e.identicalLogits, e.maxLogitDiff]), [[1, 0], [1, 0]]);
  // Exit 2: margin 1, logits moved by 1 → the flip is possible: not a mismatch (but 0 of 1 same labels < 90 %).
  const flipped = [[exit(0, [10, 0, 0]), exit(1, [4, 5, 0])]];
  const r = compareAnswers(a, flipped, rule);
  assert.equal(r.exits[1].labelMismatches, 0);
  assert.equal(r.exits[1].sameLabel, 0);
  assert.equal(r.ok, false);
  // A label that differs while no logit moved: a bug, always a mismatch.
  const wrongLabel = [[exit(0, [10, 0, 0]), { ...exit(1, [5, 4, 0]), classIndex: 2 }]];
  assert.equal(compareAnswers(a, wrongLabel, rule).exits[1].labelMismatches, 1);
  // A logit beyond the tolerance (16 int8 steps).
  const far = [[exit(0, [10, 0, 17]), exit(1, [5, 4, 0])]];
  assert.equal(compareAnswers(a, far, rule).exits[0].maxLogitDiff, 17);
  assert.equal(compareAnswers(a, far, rule).ok, false);
  assert.throws(() => compareAnswers(a, [], rule), /1 images, the other 0/);
});
