import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheState } from './cache-state.ts';
import { dataCacheDir } from './cache-dir.ts';
import { progressEnabled } from './progress.ts';

test('dataCacheDir honours RANAS_DATA, else ~/.cache/ranas', () => {
  assert.equal(dataCacheDir({ RANAS_DATA: '/x/y' }), '/x/y');
  assert.ok(dataCacheDir({}).endsWith(join('.cache', 'ranas')));
});

test('cacheState counts files and does not call unverified files verified (stamp or deep)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-state-'));
  const folder = join(root, 'cifar-10-batches-bin');
  mkdirSync(folder);
  for (const f of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) writeFileSync(join(folder, f), new Uint8Array(3073));
  // a forged stamp with the right md5s but wrong sizes must not count
  writeFileSync(join(folder, '.ranas-verified.json'), JSON.stringify({ source: 'forged', files: { 'data_batch_1.bin': { md5: '5dd7e06a14cb22eb9f671a540d1b7c25', sizeBytes: 30730000, mtimeMs: 0 } } }));
  const states = await cacheState({ dir: root, deep: true });
  const c10 = states.find((s) => s.dataset === 'cifar10');
  assert.ok(c10);
  assert.equal(c10.filesPresent, 6);
  assert.equal(c10.filesExpected, 6);
  assert.equal(c10.sizeBytes, 6 * 3073);
  assert.equal(c10.verified, false);
  const c100 = states.find((s) => s.dataset === 'cifar100');
  assert.equal(c100?.filesPresent, 0);
});

test('progress bars are off when RANAS_QUIET=1 or stderr is not a TTY', () => {
  const tty = { isTTY: true };
  assert.equal(progressEnabled({ RANAS_QUIET: '1' }, tty), false);
  assert.equal(progressEnabled({}, tty), true);
  assert.equal(progressEnabled({}, { isTTY: false }), false);
});
