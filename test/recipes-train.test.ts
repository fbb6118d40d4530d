// Issue 14 points 3-4 in short form: the Fig. 4 baseline (1 scale, 5 layers, one exit) under --recipe darts
// trains DARTS's auxiliary tower (its loss logged per epoch) and saves the network without it; a DARTS_V2
// 4-node genotype trains inside the multi-scale grid; config.json records the resolved recipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ranasStdout } from '../src/cli/testing/capture-stdout.ts';
import { loadModel } from '../src/ir/serialize.ts';

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

test('Fig. 4 baseline under --recipe darts: auxiliary loss logged, tower never saved; DARTS_V2 (4 nodes) trains in the grid', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-recipes-'));
  const quiet = process.env.RANAS_QUIET;
  process.env.RANAS_QUIET = '1';
  try {
    const short = ['--data', 'mini', '--subset', '48', '--batch-size', '16', '--epochs', '2', '--runs-dir', root, '--no-eval', '--json'];
    await ranasStdout(['train', '--recipe', 'darts', '--preset', 'tiny', '--scales', '1', '--layers', '5', '--init-channels', '4', '--exit-layers', 'last', '--name', 'fig4', ...short]);
    const epochs = lines(join(root, 'fig4', 'log.jsonl')).filter((l) => l.type === 'epoch');
    assert.equal(epochs.length, 2);
    assert.ok(epochs.every((e) => typeof e.auxiliaryLoss === 'number' && e.auxiliaryLoss > 0));
    // DARTS's schedule at --epochs 2: cosine stepped per epoch, 0.025 then 0.0125.
    assert.deepEqual(epochs.map((e) => +e.lr.toPrecision(6)), [0.025, 0.0125]);
    const saved = loadModel(join(root, 'fig4', 'model'));
    assert.equal(saved.exits.length, 1);
    assert.equal(saved.nodes.some((n) => n.name.startsWith('aux/')), false);
    assert.equal(Object.keys(saved.weights).some((w) => w.startsWith('aux/')), false);
    const config = JSON.parse(readFileSync(join(root, 'fig4', 'config.json'), 'utf8'));
    assert.deepEqual([config.options.recipe.name, config.options.recipe.batchSize, config.options.recipe.overridden.sort()], ['darts', 16, ['batchSize', 'epochs']]);

    await ranasStdout(['train', '--recipe', 'quick', '--preset', 'tiny', '--genotype', 'models/genotypes/darts-v2.json', '--init-channels', '4', '--name', 'v2', ...short]);
    const v2 = loadModel(join(root, 'v2', 'model'));
    assert.equal(v2.exits.length, 3);
    // 4-node cells: a cell output concatenates 4 node states of C = 4 channels at scale 1.
    const cellOut = v2.nodes.find((n) => n.name.startsWith('l2/s1/cell/') && n.op === 'concat');
    assert.ok(cellOut && cellOut.inputs.length === 4, 'DARTS_V2 concatenates 4 intermediate nodes');
  } finally {
    if (quiet === undefined) delete process.env.RANAS_QUIET; else process.env.RANAS_QUIET = quiet;
    rmSync(root, { recursive: true, force: true });
  }
});
