import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkResumeOptions, openRunFolder } from './run-folder.ts';
import { isRanasError } from './errors.ts';

test('a resume with changed step-deciding options is refused naming the option; a corrupt config is a typed error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-run-'));
  try {
    const run = openRunFolder(dir, 'r', 'train', { epochs: 2, lr: 0.05, name: 'r' });
    const config = run.path('config.json');
    assert.equal(JSON.parse(readFileSync(config, 'utf8')).options.epochs, 2);
    const keys = ['epochs', 'lr'] as const;
    checkResumeOptions(config, { epochs: 2, lr: 0.05, name: 'other' }, keys, 'E_TEST_RESUME');
    assert.throws(
      () => checkResumeOptions(config, { epochs: 3, lr: 0.05 }, keys, 'E_TEST_RESUME'),
      (e) => isRanasError(e, 'E_TEST_RESUME') && e.details.option === 'epochs' && /epochs = 3.*used 2/.test(e.message),
    );
    checkResumeOptions(join(dir, 'missing.json'), { epochs: 9, lr: 1 }, keys, 'E_TEST_RESUME');
    writeFileSync(config, '{"options": {"epochs": 2');
    assert.throws(() => checkResumeOptions(config, { epochs: 2, lr: 0.05 }, keys, 'E_TEST_RESUME'), (e) => isRanasError(e, 'E_TEST_RESUME') && /not valid JSON/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
