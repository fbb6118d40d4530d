// Issue 18 part 3: `ranas search --select auc` on a short search (synthetic data, tiny grid): the top genotype
// and its nearest alternatives are trained briefly on the alpha half and the one with the largest area under
// accuracy vs cost replaces genotype.json (the top one kept beside it); the curves and the table are written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ranasStdout } from '../src/cli/testing/capture-stdout.ts';
import { areaUnder } from '../src/eval/anytime-curve.ts';
import { genotypeHash, loadGenotype } from '../src/model/genotype.ts';

test('search --select auc: candidates trained on the alpha half, the largest area kept, every candidate reported', { timeout: 600_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-select-'));
  try {
    const out = await ranasStdout(['search', '--preset', 'tiny', '--layers', '3', '--init-channels', '4', '--data', 'synthetic', '--runs-dir', root, '--seed', '1',
      '--epochs', '1', '--subset', '160', '--batch-size', '16', '--alpha-lr', '0.05', '--name', 's', '--select', 'auc', '--select-candidates', '3', '--select-epochs', '1', '--json']);
    const run = join(root, 's');
    const sel = JSON.parse(readFileSync(join(run, 'select', 'selection.json'), 'utf8'));
    assert.equal(sel.candidates.length, 3);
    assert.equal(sel.trainImages + sel.measureImages, 80, 'the alpha half of the 160-image subset');
    assert.deepEqual(sel.range[0], 0);
    assert.equal(sel.range[1], Math.max(...sel.candidates.map((c: { exits: { cost: number }[] }) => c.exits.at(-1)?.cost ?? 0)));
    const hashes = new Set(sel.candidates.map((c: { genotypeHash: string }) => c.genotypeHash));
    assert.equal(hashes.size, 3, 'distinct candidates');
    for (const c of sel.candidates) {
      assert.ok(Math.abs(c.area - areaUnder(c.exits.map((e: { cost: number; top1: number }) => ({ mmacs: e.cost, accuracy: e.top1 })), sel.range)) < 1e-12);
      assert.ok(c.exits.length >= 2 && c.exits.every((e: { top1: number }) => e.top1 >= 0 && e.top1 <= 1));
    }
    assert.equal(sel.candidates[0].change, 'top choice');
    const best = Math.max(...sel.candidates.map((c: { area: number }) => c.area));
    assert.equal(sel.candidates[sel.chosen].area, best);
    assert.equal(genotypeHash(loadGenotype(join(run, 'genotype.json'))), sel.candidates[sel.chosen].genotypeHash, 'genotype.json is the chosen one');
    assert.equal(genotypeHash(loadGenotype(join(run, 'genotype-top.json'))), sel.candidates[0].genotypeHash, 'the top choice is kept');
    assert.ok(readFileSync(join(run, 'select', 'candidates.svg'), 'utf8').startsWith('<svg'));
    assert.ok(existsSync(join(run, 'select', 'candidate-2.json')));
    const printed = JSON.parse(out);
    assert.equal(printed.candidates.length, 3);
    assert.equal(printed.candidates.filter((c: { chosen: string }) => c.chosen === '★').length, 1);
    assert.deepEqual(printed.genotype.map((r: { op: string; from: number }) => [r.op, r.from]), [...loadGenotype(join(run, 'genotype.json')).normal, ...loadGenotype(join(run, 'genotype.json')).reduce], 'the printed genotype is the chosen one');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('search --select auc --latency-table: the cost axis is the predicted latency to each exit from the device table', { timeout: 600_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-select-table-'));
  try {
    const table = join(root, 'table.json');
    await ranasStdout(['device', 'profile-ops', '--local', '--table', table, '--runs', '3', '--warmups', '1', '--calibration-networks', '3', '--calibration-minutes', '0']);
    await ranasStdout(['search', '--preset', 'tiny', '--data', 'synthetic', '--runs-dir', root, '--seed', '1', '--epochs', '1', '--subset', '96', '--batch-size', '16',
      '--name', 's', '--select', 'auc', '--select-candidates', '2', '--latency-table', table, '--json']);
    const sel = JSON.parse(readFileSync(join(root, 's', 'select', 'selection.json'), 'utf8'));
    assert.match(sel.axis, /^predicted latency to the exit, ms \(table\.json: onnx int8 x1 on /);
    for (const c of sel.candidates) {
      const costs = c.exits.map((e: { cost: number }) => e.cost);
      assert.ok(costs.every((x: number, k: number) => x > 0 && (k === 0 || x > costs[k - 1])), `cumulative latency grows with the exit: ${costs.join(', ')}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
