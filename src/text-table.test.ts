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
