import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { subset } from '../data/splits.ts';
import type { ImageDataset } from '../data/types.ts';
import { chooseData } from '../run/data-choice.ts';
import { searchPool } from './run-search.ts';

/** One hash per image (images of the generated set are distinct). */
function imageHashes(ds: ImageDataset): Set<string> {
  const size = ds.height * ds.width * ds.channels;
  return new Set(Array.from({ length: ds.count }, (_, i) => createHash('sha1').update(ds.images.subarray(i * size, (i + 1) * size)).digest('hex')));
}

test('with holdOut the search draws none of the images a run with that seed holds out for validation', async () => {
  const run = await chooseData('synthetic', { valImages: 300, seed: 4 });
  const full = await chooseData('synthetic', { valImages: 0, seed: 4 });
  assert.ok(run.val);
  const val = imageHashes(run.val);
  assert.equal(val.size, 300, 'generated images are distinct');
  const pool = searchPool(full.train, { subset: 1200, seed: 9, holdOut: { images: 300, seed: 4 } });
  const drawn = imageHashes(pool);
  assert.equal(pool.count, 1200);
  assert.equal([...drawn].filter((h) => val.has(h)).length, 0);
  // Without holdOut the pool is the plain stratified subset, as before (the validation images can be drawn).
  const plain = searchPool(full.train, { subset: 1200, seed: 9 });
  assert.deepEqual(plain.labels, subset(full.train, 1200, 9).labels);
  assert.ok([...imageHashes(plain)].some((h) => val.has(h)), 'a subset of all 2,000 images overlaps the 300 held out');
});
