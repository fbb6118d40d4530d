import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkSizer } from './chunk-sizer.ts';

test('a fresh link starts small; chunks double after clean runs up to the maximum and halve on every resend', () => {
  const s = new ChunkSizer(65536, 256, 4, 1024);
  assert.equal(s.bytes, 1024, 'starts at the start size, not the maximum');
  for (let i = 0; i < 3; i++) s.record(false);
  assert.equal(s.bytes, 1024, 'not before growAfter clean chunks');
  s.record(false);
  assert.equal(s.bytes, 2048);
  for (let i = 0; i < 4 * 10; i++) s.record(false);
  assert.equal(s.bytes, 65536, 'never above the maximum');
  for (const want of [32768, 16384, 8192, 4096, 2048, 1024, 512, 256, 256]) {
    s.record(true);
    assert.equal(s.bytes, want);
  }
  s.record(false); s.record(false); s.record(false);
  s.record(true); // a resend resets the clean run
  s.record(false); s.record(false); s.record(false);
  assert.equal(s.bytes, 256);
});

test('a maximum below the start or the minimum bounds both', () => {
  const s = new ChunkSizer(200, 256, 4, 1024);
  assert.equal(s.bytes, 200);
  s.record(true);
  assert.equal(s.bytes, 200);
  assert.equal(s.min, 200);
});
