import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { isRanasError } from '../errors.ts';
import { loadCifarStrict } from './cifar-strict.ts';
import { folderKind, loadFolderDataset } from './folder-dataset.ts';

test('--data cifar10 / cifar100 without the release never fall back to the mini set: a typed error naming the cache and the way out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-strict-'));
  try {
    for (const name of ['cifar10', 'cifar100'] as const) {
      await assert.rejects(loadCifarStrict(name, { dir, fetch: false }), (e: unknown) =>
        isRanasError(e, 'E_DATA_UNAVAILABLE') && e.message.includes(`--data ${name}`) && e.message.includes('--data mini') && e.message.includes(dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--data DIR: CIFAR binary layouts are recognised by their files; an image folder with train/ and test/ uses them as splits', () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-folder-kind-'));
  try {
    mkdirSync(join(root, 'c10', 'cifar-10-batches-bin'), { recursive: true });
    writeFileSync(join(root, 'c10', 'cifar-10-batches-bin', 'data_batch_1.bin'), new Uint8Array(3073));
    mkdirSync(join(root, 'c100'));
    writeFileSync(join(root, 'c100', 'train.bin'), new Uint8Array(3074));
    assert.equal(folderKind(join(root, 'c10')), 'cifar10');
    assert.equal(folderKind(join(root, 'c100')), 'cifar100');
    const img = join(root, 'img');
    for (const split of ['train', 'test']) {
      for (const cls of ['b', 'a']) {
        mkdirSync(join(img, split, cls), { recursive: true });
        const png = new PNG({ width: 8, height: 6 });
        png.data.fill(cls === 'a' ? 200 : 20);
        writeFileSync(join(img, split, cls, '0.png'), PNG.sync.write(png));
        writeFileSync(join(img, split, cls, '1.png'), PNG.sync.write(png));
      }
    }
    assert.equal(folderKind(img), 'images');
    const d = loadFolderDataset(img, { inputShape: [16, 16, 3] });
    assert.deepEqual([d.train.count, d.test.count, d.train.height, d.train.width], [4, 4, 16, 16]);
    assert.deepEqual(d.train.classNames, ['a', 'b']);
    assert.equal(d.train.images[0], 200, 'class a (sorted first) is the bright one');
    assert.throws(() => loadFolderDataset(join(root, 'nope')), (e: unknown) => isRanasError(e, 'E_DATA_MISSING'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
