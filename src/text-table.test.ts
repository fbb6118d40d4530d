import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable } from './text-table.ts';

test('formatTable aligns numbers right and text left', () => {
  const out = formatTable([
    { exit: 'e1', macs: 12 },
    { exit: 'exit-2', macs: 1234 },
  ]);
  const lines = out.split('\n');
  assert.equal(lines[0], 'exit    macs');
  assert.equal(lines[2], 'e1        12');
  assert.equal(lines[3], 'exit-2  1234');
});

test("a column's numbers share one number of decimals: the most any of them needs", () => {
  const lines = formatTable([{ top1: 25, err: -1.8, us: 164.75, n: null }, { top1: 30.2, err: 2.3, us: 22.125, n: 3 }]).split('\n');
  assert.equal(lines[2], '25.0  -1.8  164.750  -');
  assert.equal(lines[3], '30.2   2.3   22.125  3');
});
