import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitTrainVal, subset } from './splits.ts';
import { BatchIterator } from './batch-iterator.ts';
import { syntheticDataset } from './synthetic.ts';
import { classCounts } from './types.ts';
import { isRanasError } from '../errors.ts';

test('splitTrainVal 50/50 is stratified, disjoint, complete and seeded', () => {
  const ds = syntheticDataset({ count: 200, seed: 1 });
  const { train, val } = splitTrainVal(ds, 0.5, 7);
  assert.equal(train.count + val.count, 200);
  assert.deepEqual(classCounts(train), new Array(10).fill(10));
  assert.deepEqual(classCounts(val), new Array(10).fill(10));
  const again = splitTrainVal(ds, 0.5, 7);
  assert.deepEqual(again.val.images, val.images);
  assert.notDeepEqual(splitTrainVal(ds, 0.5, 8).val.images, val.images);
  // disjoint: every image of ds lands in exactly one side (images are distinct under noise)
  const key = (d: typeof ds, i: number) => d.images.subarray(i * 3072, i * 3072 + 64).join(',');
  const all = new Set<string>();
  for (let i = 0; i < train.count; i++) all.add(key(train, i));
  for (let i = 0; i < val.count; i++) all.add(key(val, i));
  assert.equal(all.size, 200);
  assert.throws(() => splitTrainVal(ds, 1, 0), (e) => isRanasError(e, 'E_DATA_SPLIT'));
});

test('subset takes exactly n images, class-balanced', () => {
  const ds = syntheticDataset({ count: 1000, seed: 2 });
  const s = subset(ds, 105, 3);
  assert.equal(s.count, 105);
  const counts = classCounts(s);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, String(counts));
  assert.equal(subset(ds, 5000, 3).count, 1000);
});

test('BatchIterator: every image once per epoch, new order each epoch, exact resume from state()', () => {
  const ds = syntheticDataset({ count: 50, seed: 3 });
  const it = new BatchIterator(ds, { batchSize: 8, seed: 11 });
  assert.equal(it.batchesPerEpoch, 6);
  const epoch0 = [...it.epochBatches()];
  assert.equal(epoch0.length, 6);
  const seen = new Set(epoch0.flatMap((b) => [...b.indices]));
  assert.equal(seen.size, 48); // dropLast: 2 images left out this epoch
  const firstOfEpoch1 = it.next();
  assert.equal(firstOfEpoch1.epoch, 1);
  assert.notDeepEqual(firstOfEpoch1.indices, epoch0[0].indices);

  const saved = JSON.parse(JSON.stringify(it.state()));
  const expected = [it.next(), it.next(), it.next(), it.next(), it.next(), it.next()];
  const resumed = new BatchIterator(ds, { batchSize: 8, seed: 11 });
  resumed.restore(saved);
  for (const e of expected) {
    const got = resumed.next();
    assert.equal(got.epoch, e.epoch);
    assert.equal(got.step, e.step);
    assert.deepEqual(got.indices, e.indices);
    assert.deepEqual(got.x, e.x);
  }
  assert.throws(() => new BatchIterator(ds, { batchSize: 8, seed: 12 }).restore(saved), (e) => isRanasError(e, 'E_DATA_STATE'));
  assert.throws(() => resumed.restore({ epoch: -1 }), (e) => isRanasError(e, 'E_DATA_STATE'));
});

test('BatchIterator without dropLast serves a short final batch; augment:false gives eval batches', () => {
  const ds = syntheticDataset({ count: 10, seed: 4 });
  const it = new BatchIterator(ds, { batchSize: 4, seed: 1, dropLast: false, augment: false, shuffle: false });
  const sizes = [...it.epochBatches()].map((b) => b.y.length);
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.equal(it.next().indices[0], 0);
});
