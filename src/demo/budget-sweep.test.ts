import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetsFromProfile } from './budget-sweep.ts';

const segments = [{ p50Us: 400, p99Us: 500 }, { p50Us: 900, p99Us: 1000 }, { p50Us: 1900, p99Us: 2000 }];

test('every exit gets a budget 1.2 × its cumulative p99 plus the request overhead, inside a sorted geometric grid', () => {
  const plain = budgetsFromProfile(segments, 6);
  for (const b of [600, 1800, 4200]) assert.ok(plain.includes(b), `${b} in [${plain.join(', ')}]`);
  const withOverhead = budgetsFromProfile(segments, 6, 250);
  for (const b of [900, 2100, 4500]) assert.ok(withOverhead.includes(b), `${b} in [${withOverhead.join(', ')}]`);
  assert.equal(withOverhead[0], 200, 'the low end stays half of exit 1\'s p50');
  assert.equal(withOverhead[withOverhead.length - 1], 1.5 * (3500 + 250));
  assert.deepEqual(withOverhead, [...withOverhead].sort((a, b) => a - b));
  assert.equal(new Set(withOverhead).size, withOverhead.length);
});

test('a profile without latencies or a bad step count is refused with what was found', () => {
  assert.throws(() => budgetsFromProfile([{ p50Us: 0, p99Us: 5 }], 4), /expected positive latencies/);
  assert.throws(() => budgetsFromProfile(segments, 1), /budget steps is 1/);
});
