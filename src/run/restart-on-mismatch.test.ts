import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RanasError } from '../errors.ts';
import { restartOnMismatch } from './restart-on-mismatch.ts';

test('a checkpoint made with other options: the folder is cleared and the work runs again', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-restart-'));
  try {
    const dir = join(root, 'train');
    mkdirSync(dir);
    writeFileSync(join(dir, 'checkpoint.bin'), 'old');
    const lines: string[] = [];
    let calls = 0;
    const result = await restartOnMismatch(dir, async () => {
      calls += 1;
      if (calls === 1) throw new RanasError('E_TRAIN_RESUME', '--resume with batchSize 8; the checkpoint has 4');
      return existsSync(join(dir, 'checkpoint.bin')) ? 'old checkpoint still there' : 'fresh';
    }, (l) => lines.push(l), 'stage');
    assert.equal(result, 'fresh');
    assert.equal(calls, 2);
    assert.deepEqual(lines, [`the checkpoint in ${dir} was made with other options (--resume with batchSize 8; the checkpoint has 4); starting that stage over`]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('any other failure is passed on and the folder is kept', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-restart-'));
  try {
    writeFileSync(join(root, 'checkpoint.bin'), 'kept');
    const lines: string[] = [];
    await assert.rejects(
      restartOnMismatch(root, async () => { throw new RanasError('E_TRAIN_DIVERGED', 'loss is NaN'); }, (l) => lines.push(l), 'run'),
      (e: unknown) => e instanceof RanasError && e.code === 'E_TRAIN_DIVERGED',
    );
    assert.ok(existsSync(join(root, 'checkpoint.bin')));
    assert.deepEqual(lines, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
