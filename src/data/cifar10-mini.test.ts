import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCifar10Mini, MINI_DIR } from './cifar10-mini.ts';
import { loadCifar10OrMini } from './dataset-choice.ts';
import { classCounts } from './types.ts';
import { isRanasError } from '../errors.ts';

test('the shipped mini CIFAR-10 loads: 1,000 train / 500 test, class-balanced, under 5 MB', () => {
  const { train, test: testSet } = loadCifar10Mini();
  assert.equal(train.count, 1000);
  assert.equal(testSet.count, 500);
  assert.deepEqual(classCounts(train), new Array(10).fill(100));
  assert.deepEqual(classCounts(testSet), new Array(10).fill(50));
  // first official test image is a cat (label 3), second a ship (8)
  assert.deepEqual([...testSet.labels.subarray(0, 2)], [3, 8]);
  const size = ['train.bin.gz', 'test.bin.gz', 'manifest.json', 'batches.meta.txt', 'README.md'].reduce((s, f) => s + readFileSync(join(MINI_DIR, f)).length, 0);
  assert.ok(size <= 5 * 1024 * 1024, `mini set is ${size} bytes`);
});

test('a tampered mini file fails its manifest sha256', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-mini-'));
  cpSync(MINI_DIR, dir, { recursive: true });
  writeFileSync(join(dir, 'test.bin.gz'), gzipSync(new Uint8Array(3073)));
  assert.throws(() => loadCifar10Mini(dir), (e) => isRanasError(e, 'E_DATA_CHECKSUM') && e.message.includes('test.bin.gz'));
  writeFileSync(join(dir, 'train.bin.gz'), 'not gzip');
  assert.throws(() => loadCifar10Mini(dir), (e) => isRanasError(e, 'E_DATA_CORRUPT'));
});

test('loadCifar10OrMini falls back to the mini set and says why', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'ranas-nocache-'));
  const r = await loadCifar10OrMini({ dir: empty, fetch: false });
  assert.equal(r.which, 'cifar10-mini');
  assert.ok(r.reason.includes('not cached'), r.reason);
  assert.equal(r.train.count, 1000);
  const forced = await loadCifar10OrMini({ forceMini: true });
  assert.equal(forced.which, 'cifar10-mini');
});
