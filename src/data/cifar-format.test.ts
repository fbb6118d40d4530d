import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCifarBatch, encodeCifarBatch, cifarRecordBytes, CIFAR_IMAGE_BYTES } from './cifar-format.ts';
import { loadCifar10, loadCifar100 } from './cifar-loaders.ts';
import { syntheticDataset } from './synthetic.ts';
import { isRanasError, RanasError } from '../errors.ts';

function cifar10Record(label: number, fill: (plane: number, p: number) => number): Uint8Array {
  const rec = new Uint8Array(3073);
  rec[0] = label;
  for (let plane = 0; plane < 3; plane++) for (let p = 0; p < 1024; p++) rec[1 + plane * 1024 + p] = fill(plane, p);
  return rec;
}

test('decodes a CIFAR-10 record from planar to HWC: pixel (r,c) channel k = plane k at r*32+c', () => {
  const rec = cifar10Record(7, (plane, p) => (plane * 50 + p) % 256);
  const b = decodeCifarBatch(rec, 'cifar10', 'mem');
  assert.equal(b.count, 1);
  assert.equal(b.labels[0], 7);
  // pixel at row 2, col 5 → p = 69
  const hwc = (2 * 32 + 5) * 3;
  assert.deepEqual([b.images[hwc], b.images[hwc + 1], b.images[hwc + 2]], [69, 119, 169]);
});

test('encode ∘ decode is the identity on official records (cifar10 and cifar100)', () => {
  const ds = syntheticDataset({ count: 5, seed: 2 });
  const enc = encodeCifarBatch({ images: ds.images, labels: ds.labels, count: 5 }, 'cifar10');
  assert.equal(enc.length, 5 * 3073);
  const dec = decodeCifarBatch(enc, 'cifar10', 'mem');
  assert.deepEqual(dec.images, ds.images);
  assert.deepEqual(dec.labels, ds.labels);
  const coarse = Int32Array.from([3, 19, 0, 1, 2]);
  const fine = Int32Array.from([99, 0, 42, 7, 8]);
  const enc100 = encodeCifarBatch({ images: ds.images, labels: fine, coarseLabels: coarse, count: 5 }, 'cifar100');
  assert.equal(enc100.length, 5 * cifarRecordBytes('cifar100'));
  assert.equal(enc100[3074], 19); // record 1 starts at 3074: coarse byte first
  assert.equal(enc100[3075], 0);
  const dec100 = decodeCifarBatch(enc100, 'cifar100', 'mem');
  assert.deepEqual(dec100.labels, fine);
  assert.deepEqual(dec100.coarseLabels, coarse);
  assert.deepEqual(dec100.images, ds.images);
});

function expectCorrupt(fn: () => unknown, offset: number, fileSubstring: string): void {
  assert.throws(fn, (e) => {
    assert.ok(isRanasError(e, 'E_DATA_CORRUPT'), String(e));
    assert.ok(e instanceof RanasError);
    assert.equal(e.details.offset, offset);
    assert.ok(e.message.includes(fileSubstring), e.message);
    return true;
  });
}

test('truncated file, wrong record size, empty file and bad labels name the file and byte offset', () => {
  const two = new Uint8Array(2 * 3073);
  expectCorrupt(() => decodeCifarBatch(two.subarray(0, 3073 + 100), 'cifar10', 'data_batch_9.bin'), 3073, 'data_batch_9.bin');
  expectCorrupt(() => decodeCifarBatch(new Uint8Array(0), 'cifar10', 'empty.bin'), 0, 'empty.bin');
  // a cifar10 file read as cifar100: 2*3073 = 6146 is not a multiple of 3074 → truncated record at 3074
  expectCorrupt(() => decodeCifarBatch(two, 'cifar100', 'wrong.bin'), 3074, 'wrong.bin');
  const bad = new Uint8Array(2 * 3073);
  bad[3073] = 10; // second record label out of range
  expectCorrupt(() => decodeCifarBatch(bad, 'cifar10', 'labels.bin'), 3073, 'labels.bin');
  const bad100 = new Uint8Array(3074);
  bad100[1] = 100; // fine label 100
  expectCorrupt(() => decodeCifarBatch(bad100, 'cifar100', 'f.bin'), 1, 'f.bin');
});

test('loadCifar10 / loadCifar100 read generated files in the official layout', () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-cifar-'));
  const dir10 = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir10);
  const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
  names.forEach((f, k) => {
    const ds = syntheticDataset({ count: 3, seed: k });
    writeFileSync(join(dir10, f), encodeCifarBatch({ images: ds.images, labels: Int32Array.from([k, k, (k + 1) % 10]), count: 3 }, 'cifar10'));
  });
  writeFileSync(join(dir10, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
  const { train, test } = loadCifar10(root); // the cache root: finds cifar-10-batches-bin inside
  assert.equal(train.count, 15);
  assert.equal(test.count, 3);
  assert.deepEqual([...train.labels.subarray(3, 6)], [1, 1, 2]);
  assert.deepEqual([...test.labels], [5, 5, 6]);
  assert.equal(train.classNames[9], 'j');
  assert.equal(train.images.length, 15 * CIFAR_IMAGE_BYTES);
  assert.deepEqual(loadCifar10(dir10).test.images, test.images); // the folder itself works too

  const dir100 = join(root, 'cifar-100-binary');
  mkdirSync(dir100);
  const ds = syntheticDataset({ count: 4, seed: 9 });
  for (const f of ['train.bin', 'test.bin']) {
    writeFileSync(join(dir100, f), encodeCifarBatch({ images: ds.images, labels: Int32Array.from([0, 50, 99, 1]), coarseLabels: Int32Array.from([19, 0, 5, 5]), count: 4 }, 'cifar100'));
  }
  const c100 = loadCifar100(root);
  assert.deepEqual([...c100.train.labels], [0, 50, 99, 1]);
  assert.deepEqual([...(c100.test.coarseLabels ?? [])], [19, 0, 5, 5]);
  assert.equal(c100.train.coarseClassNames?.[19], 'vehicles_2');

  // a truncated batch file on disk names the file
  writeFileSync(join(dir10, 'data_batch_3.bin'), new Uint8Array(3073 * 2 - 1));
  assert.throws(() => loadCifar10(root), (e) => isRanasError(e, 'E_DATA_CORRUPT') && e.message.includes('data_batch_3.bin') && e.details.offset === 3073);
  assert.throws(() => loadCifar10(join(root, 'nowhere')), (e) => isRanasError(e, 'E_DATA_MISSING'));
});
