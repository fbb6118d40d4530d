// ranas train (from a saved tiny model folder, on the shipped mini set) then ranas eval on the run folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../main.ts';
import { captureStdout } from '../testing/capture-stdout.ts';
import { saveModel } from '../../ir/serialize.ts';
import { tinyGraph } from '../../exec/tiny-graph.ts';

test('ranas train writes a run folder with model, log, checkpoint and per-exit eval; ranas eval reads it back', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-train-cli-'));
  try {
    const modelDir = join(root, 'start');
    saveModel(modelDir, tinyGraph({ size: 32, width: 4, classes: 10, seed: 2 }));
    const args = ['node', 'ranas', 'train', '--model', modelDir, '--data', 'mini', '--subset', '48', '--val-images', '16',
      '--batch-size', '8', '--epochs', '1', '--runs-dir', root, '--name', 'r1', '--checkpoint-every', '2', '--json'];
    const trainOut = await captureStdout(() => buildProgram().parseAsync(args));
    const rows: unknown = JSON.parse(trainOut);
    assert.ok(Array.isArray(rows) && rows.length === 2, 'one row per exit');
    for (const r of rows) assert.ok(typeof r.top1 === 'number' && r.top1 >= 0 && r.top1 <= 100);
    const run = join(root, 'r1');
    for (const f of ['config.json', 'log.jsonl', 'checkpoint.bin', 'model/model.json', 'model/weights.bin', 'eval.json', 'report.json', 'report.svg']) {
      assert.ok(existsSync(join(run, f)), f);
    }
    const steps = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'step');
    const loop: unknown = Reflect.get(JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8')), 'loop');
    assert.ok(steps.length >= 3, 'about 32 training images (stratified split) / batch 8');
    assert.equal(steps.length, typeof loop === 'object' && loop !== null ? Reflect.get(loop, 'steps') : -1);
    assert.equal(steps[0].exitLosses.length, 2);
    assert.ok(readFileSync(join(run, 'report.svg'), 'utf8').startsWith('<svg'));

    const evalRows: unknown = JSON.parse(await captureStdout(() => buildProgram().parseAsync(['node', 'ranas', 'eval', run, '--json'])));
    assert.ok(Array.isArray(evalRows));
    assert.deepEqual(evalRows.map((r) => r.top1), rows.map((r) => r.top1), 'eval reproduces the training run\'s test accuracy');
    const report: unknown = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
    const budgeted: unknown = typeof report === 'object' && report !== null ? Reflect.get(Reflect.get(report, 'models')[0], 'budgeted') : null;
    assert.ok(Array.isArray(budgeted) && budgeted.length === 39);

    // An unfinished run (no model/ yet) is evaluated from its checkpoint: same weights → same accuracy.
    rmSync(join(run, 'model'), { recursive: true });
    const ckRows: unknown = JSON.parse(await captureStdout(() => buildProgram().parseAsync(['node', 'ranas', 'eval', run, '--json', '--out', join(root, 'ck')])));
    assert.ok(Array.isArray(ckRows));
    assert.equal(ckRows[0].model, `r1@step${steps.length}`);
    assert.deepEqual(ckRows.map((r) => r.top1), rows.map((r) => r.top1));

    await assert.rejects(buildProgram().parseAsync([...args.slice(0, -1).map((a) => (a === '8' ? '4' : a)), '--resume']), /--resume with batchSize/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
