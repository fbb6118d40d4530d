import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repeatedSource } from './batch-source.ts';

test('repeatedSource hands out the same batch forever, numbered 0, 1, 2 … in an epoch that never ends', () => {
  const batch = { x: Float32Array.from([1, 2, 3, 4]), shape: [1, 2, 2, 1] as [number, number, number, number], labels: Int32Array.from([7]) };
  const source = repeatedSource(batch);
  assert.equal(source.batchesPerEpoch, Number.MAX_SAFE_INTEGER);
  const got = [source.next(), source.next(), source.next()];
  assert.deepEqual(got.map((b) => [b.epoch, b.index]), [[0, 0], [0, 1], [0, 2]]);
  for (const b of got) {
    assert.equal(b.x, batch.x);
    assert.deepEqual(b.shape, batch.shape);
    assert.equal(b.labels, batch.labels);
  }
  assert.deepEqual(source.state(), { index: 3 });
  // Two sources count apart.
  assert.equal(repeatedSource(batch).next().index, 0);
});
