import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeGraph } from '../../ir/analysis.ts';
import { loadModel } from '../../ir/serialize.ts';
import { genotypePath } from '../../model/presets.ts';
import { summaryRows } from './model.ts';

test('model summary: one row per exit plus totals; --save writes a loadable model; a genotype replaces the preset one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-model-'));
  try {
    const { title, rows } = summaryRows({ preset: 'tiny', json: true, seed: 0, save: dir });
    const saved = loadModel(dir);
    const cost = analyzeGraph(saved);
    assert.equal(rows.length, saved.exits.length + 1);
    assert.equal(rows.at(-1)?.params, cost.totalParams);
    assert.equal(rows[0].pathMMACs, Math.round(cost.exits[0].pathMacs / 1e4) / 100);
    assert.equal(rows.at(-2)?.MMACs, Math.round(cost.exits.at(-1)!.anytimeMacs / 1e4) / 100);
    assert.match(title, /^tiny: \d+ nodes, 3 exits, \d+ params/);
    const other = summaryRows({ preset: 'darts-cifar', genotype: genotypePath('darts-v1'), json: true, seed: 0 });
    const v2 = summaryRows({ preset: 'darts-cifar', json: true, seed: 0 });
    assert.notEqual(other.title, v2.title);
    assert.equal(other.rows.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
