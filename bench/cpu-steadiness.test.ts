// The short form of bench/cpu-steadiness.ts: two rounds; asserts the table's shape, never the timing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { test } from 'node:test';
import { cpuSteadiness, spread } from './cpu-steadiness.ts';

const haveTaskset = (() => { try { execFileSync('taskset', ['-c', '0', 'true']); return true; } catch { return false; } })();

test('cpu steadiness (short): one timing per CPU and unpinned per round, and the spread per column', { skip: haveTaskset ? false : 'no taskset here' }, async () => {
  const rows = await cpuSteadiness(2, 10);
  assert.equal(rows.length, 2);
  const cols = Array.from({ length: os.availableParallelism() }, (_, i) => `cpu ${i} ms`);
  for (const r of rows) for (const c of [...cols, 'unpinned ms']) assert.ok(Number(r[c]) > 0, `${c}: ${r[c]}`);
  const s = spread(rows);
  assert.deepEqual(s.map((x) => x.column), [...cols, 'unpinned ms']);
  for (const x of s) assert.ok(Number(x['max / min']) >= 1);
});
