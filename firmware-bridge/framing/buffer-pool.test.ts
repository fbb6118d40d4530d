import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool } from './buffer-pool.ts';

test('a block given back is handed out again; small requests get fresh buffers that are never pooled', () => {
  const pool = new BufferPool(1024, 4);
  const a = pool.take(70_000);
  assert.equal(a.length, 70_000);
  assert.ok(a.buffer.byteLength >= 70_000);
  pool.release(a.subarray(10, 20)); // any view of the block gives it back
  assert.equal(pool.freeBlocks, 1);
  const b = pool.take(65_000);
  assert.equal(b.buffer, a.buffer, 'the freed block is reused for a request it can hold');
  assert.equal(b.length, 65_000);
  const small = pool.take(100);
  pool.release(small);
  assert.equal(pool.freeBlocks, 0, 'a buffer the pool did not issue is ignored');
});

test('a block is taken back once; a foreign buffer and a full free list are ignored', () => {
  const pool = new BufferPool(16, 2);
  const a = pool.take(64);
  pool.release(a);
  pool.release(a); // twice: would hand the same block to two users
  assert.equal(pool.freeBlocks, 1);
  pool.release(Buffer.alloc(64));
  assert.equal(pool.freeBlocks, 1);
  const blocks = [pool.take(64), pool.take(64), pool.take(64)];
  assert.equal(new Set(blocks.map((b) => b.buffer)).size, 3, 'blocks in use are distinct');
  for (const b of blocks) pool.release(b);
  assert.equal(pool.freeBlocks, 2, 'no more than maxFree blocks are kept');
});

test('a request bigger than every free block gets a new block', () => {
  const pool = new BufferPool(16, 4);
  const a = pool.take(100);
  pool.release(a);
  const big = pool.take(200_000);
  assert.notEqual(big.buffer, a.buffer);
  assert.equal(pool.freeBlocks, 1);
});
