import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyTracker } from './latency-tracker.ts';

test('the prediction rises to the window p99 when the tail grows, and never drops below the profile', () => {
  const t = new LatencyTracker([100, 200], 100, 10);
  for (let i = 0; i < 100; i++) t.observe(0, 50); // faster than profiled
  assert.equal(t.p99Us[0], 100);
  for (let i = 0; i < 100; i++) t.observe(0, i < 95 ? 150 : 400); // 5 % at 400 µs: p99 = 400
  assert.equal(t.p99Us[0], 400);
  assert.equal(t.p99Us[1], 200, 'other segments untouched');
  for (let i = 0; i < 100; i++) t.observe(0, 120); // the tail clears again
  assert.equal(t.p99Us[0], 120);
});

test('no update before half a window has been seen', () => {
  const t = new LatencyTracker([100], 100, 10);
  for (let i = 0; i < 40; i++) t.observe(0, 1000);
  assert.equal(t.p99Us[0], 100);
  for (let i = 0; i < 10; i++) t.observe(0, 1000);
  assert.equal(t.p99Us[0], 1000);
});
