import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageCosts } from './stage-costs.ts';

test('stage costs: finished stages by name, the stage in flight named as such with its time so far', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-stage-costs-'));
  try {
    mkdirSync(join(dir, 'stages'));
    writeFileSync(join(dir, 'stages', 'train-a.json'), JSON.stringify({ key: '{}', seconds: 100, cpuSeconds: 90, result: {} }));
    writeFileSync(join(dir, 'stages', '.train-b.spent.json'), JSON.stringify({ key: '{}', seconds: 41, cpuSeconds: 74 }));
    writeFileSync(join(dir, 'stages', 'search-s0.json'), JSON.stringify({ key: '{}', seconds: 7, cpuSeconds: 6, result: {} }));
    assert.deepEqual(stageCosts(dir), [
      { stage: 'search-s0', seconds: 7, cpuSeconds: 6, inFlight: false },
      { stage: 'train-a', seconds: 100, cpuSeconds: 90, inFlight: false },
      { stage: 'train-b (in flight: time so far)', seconds: 41, cpuSeconds: 74, inFlight: true },
    ]);
    assert.deepEqual(stageCosts(join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
