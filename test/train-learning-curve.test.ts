// `ranas train --val-images N` measures every exit on the held-out images after each epoch (the learning
// curve): one `epoch-val` line per epoch in log.jsonl, printed too. The last epoch's figures are those of the
// saved model, recomputed here on the same held-out split with the library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../src/engine/backend.ts';
import { chooseData } from '../src/run/data-choice.ts';
import { loadModel } from '../src/ir/serialize.ts';
import { createProgram } from '../src/exec/program.ts';
import { predictExits } from '../src/eval/exit-predictions.ts';
import { topKAccuracy } from '../src/eval/exit-accuracy.ts';

const bin = new URL('../bin/ranas.mjs', import.meta.url).pathname;

test('train --val-images logs and prints each exit\'s validation top-1 after every epoch; the last equals the saved model\'s', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-learning-curve-'));
  try {
    const stderr = execFileSync(process.execPath, [bin, 'train', '--preset', 'tiny', '--data', 'synthetic', '--subset', '128', '--val-images', '32', '--batch-size', '16', '--epochs', '2', '--seed', '3', '--runs-dir', root, '--name', 'lc', '--no-eval'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RANAS_QUIET: '0' } });
    void stderr;
    const lines = readFileSync(join(root, 'lc', 'log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; epoch?: number; images?: number; valTop1?: number[] });
    const curve = lines.filter((l) => l.type === 'epoch-val');
    assert.deepEqual(curve.map((l) => l.epoch), [0, 1], 'one line per epoch');
    const graph = loadModel(join(root, 'lc', 'model'));
    for (const l of curve) {
      assert.equal(l.valTop1?.length, graph.exits.length);
      assert.ok(l.valTop1?.every((a) => a >= 0 && a <= 1));
    }
    await initEngine();
    const data = await chooseData('synthetic', { subset: 128, valImages: 32, seed: 3 });
    assert.ok(data.val);
    assert.equal(curve[1].images, data.val.count);
    const program = createProgram(graph);
    const p = await predictExits(program, data.val, 250);
    program.dispose();
    const top1 = p.probs.map((probs) => topKAccuracy(probs, p.labels, p.classes, 1));
    assert.deepEqual(curve[1].valTop1, top1, 'the last epoch\'s curve point is the saved model on the same held-out images');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
