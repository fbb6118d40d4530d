import assert from 'node:assert/strict';
import test from 'node:test';
import { axisGeometry } from './padding.ts';

test('same padding: out = ceil(in / stride), the odd cell of padding after (TF/TFLite split)', () => {
  // in 32, k 3, s 1: total 2 → 1 before, 1 after.
  assert.deepEqual(axisGeometry(32, 3, 1, 1, 'same'), { out: 32, padBefore: 1, padAfter: 1 });
  // in 32, k 3, s 2: out 16, total (15·2 + 3 − 32) = 1 → 0 before, 1 after.
  assert.deepEqual(axisGeometry(32, 3, 2, 1, 'same'), { out: 16, padBefore: 0, padAfter: 1 });
  // dilated 5×5 (effective 9), s 1: total 8 → 4 and 4.
  assert.deepEqual(axisGeometry(8, 5, 1, 2, 'same'), { out: 8, padBefore: 4, padAfter: 4 });
  // in 7, k 1, s 2: out 4, total 0.
  assert.deepEqual(axisGeometry(7, 1, 2, 1, 'same'), { out: 4, padBefore: 0, padAfter: 0 });
});

test('valid padding: out = floor((in − effective kernel) / stride) + 1, no padding', () => {
  assert.deepEqual(axisGeometry(32, 3, 2, 1, 'valid'), { out: 15, padBefore: 0, padAfter: 0 });
  assert.deepEqual(axisGeometry(9, 3, 1, 3, 'valid'), { out: 3, padBefore: 0, padAfter: 0 }); // effective 7: (9 − 7) / 1 + 1
  assert.equal(axisGeometry(4, 4, 1, 1, 'valid').out, 1);
});
