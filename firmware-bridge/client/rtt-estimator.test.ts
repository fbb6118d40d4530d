import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RttEstimator } from './rtt-estimator.ts';

test('the timeout follows measured round trips and doubles on each timeout until an answer', () => {
  const r = new RttEstimator(1000, 40, 3000);
  assert.equal(r.timeoutMs, 1000, 'initial timeout before any sample');
  for (let i = 0; i < 20; i++) r.sample(100);
  assert.ok(r.timeoutMs >= 100 && r.timeoutMs < 200, `steady 100 ms round trips: timeout ${r.timeoutMs}`);
  const steady = r.timeoutMs;
  r.backOff();
  assert.equal(r.timeoutMs, 2 * steady);
  r.backOff();
  assert.equal(r.timeoutMs, 4 * steady);
  for (let i = 0; i < 10; i++) r.backOff();
  assert.equal(r.timeoutMs, 3000, 'capped');
  r.sample(100);
  assert.ok(r.timeoutMs < 200, 'a fresh answer ends the backoff');
  for (let i = 0; i < 50; i++) r.sample(i % 2 ? 50 : 150);
  assert.ok(r.timeoutMs > 150, `jittery round trips widen the timeout beyond the worst one: ${r.timeoutMs}`);
});
