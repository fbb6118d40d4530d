import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkSizer } from './chunk-sizer.ts';

test('chunks halve on every resend down to the minimum and double back after clean runs up to the maximum', () => {
  const s = new ChunkSizer(65536, 1024, 4);
  assert.equal(s.bytes, 65536);
  for (const want of [32768, 16384, 8192, 4096, 2048, 1024, 1024]) {
    s.record(true);
    assert.equal(s.bytes, want);
  }
  for (let i = 0; i < 3; i++) s.record(false);
  assert.equal(s.bytes, 1024, 'not before growAfter clean chunks');
  s.record(false);
  assert.equal(s.bytes, 2048);
  s.record(false); s.record(false); s.record(false);
  s.record(true); // a resend resets the clean run
  assert.equal(s.bytes, 1024);
  for (let i = 0; i < 4 * 8; i++) s.record(false);
  assert.equal(s.bytes, 65536, 'never above the size asked for');
});

test('a size asked for below the minimum is kept as is', () => {
  const s = new ChunkSizer(256, 1024, 4);
  s.record(true);
  assert.equal(s.bytes, 256);
  assert.equal(s.min, 256);
});
