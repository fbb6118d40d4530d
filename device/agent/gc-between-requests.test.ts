// The agent's collection between requests: due once the requests allocated the limit (array buffers count),
// a collection resets the count, and 0 turns it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcBetweenRequests } from './gc-between-requests.ts';

test('a collection is due once the requests since the last one allocated the limit, and not before', () => {
  const gc = gcBetweenRequests(1);
  assert.ok(gc, 'gc() is available at run time');
  gc.collect();
  assert.equal(gc.due(), false, 'nothing allocated yet');
  const keep: ArrayBuffer[] = [];
  for (let i = 0; i < 8; i++) keep.push(new ArrayBuffer(64 * 1024)); // 0.5 MiB
  assert.equal(gc.due(), false, `0.5 MiB of 1 MiB (kept ${keep.length} buffers)`);
  for (let i = 0; i < 40; i++) keep.push(new ArrayBuffer(64 * 1024)); // 3 MiB in all, kept alive
  assert.equal(gc.due(), true, '3 MiB allocated');
  keep.length = 0;
  gc.collect();
  assert.equal(gc.collections, 2);
  assert.equal(gc.due(), false, 'the collection reset the count');
});

test('0 MiB leaves collection to V8', () => {
  assert.equal(gcBetweenRequests(0), null);
});
