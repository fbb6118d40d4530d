import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { loadImageFolder } from './image-folder.ts';
import { resizeBilinear } from './resize.ts';
import { isRanasError } from '../errors.ts';

function solidPng(w: number, h: number, rgb: [number, number, number]): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([...rgb, 255], 4 * i);
  return PNG.sync.write(p);
}

test('bilinear resize: 2x2 → 4x4 matches half-pixel-centre reference values; identity when sizes match', () => {
  const src = Uint8Array.from([0, 100, 200, 40]); // 2x2 grey
  const out = resizeBilinear(src, 2, 2, 1, 4, 4);
  // row 0: x coords -0.25→0 (clamped), 0.25, 0.75, 1.25→1: 0, 25, 75, 100
  assert.deepEqual([...out.subarray(0, 4)], [0, 25, 75, 100]);
  // last row = bottom source row: 200, 160, 80, 40
  assert.deepEqual([...out.subarray(12, 16)], [200, 160, 80, 40]);
  assert.deepEqual(resizeBilinear(src, 2, 2, 1, 2, 2), src);
  // 4x4 → 2x2 averages 2x2 blocks when sampling at their shared corner
  const big = Uint8Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 10 : 30));
  assert.deepEqual([...resizeBilinear(big, 4, 4, 1, 2, 2)], [10, 30, 10, 30]);
});

test('loadImageFolder reads PNG and JPEG per class folder, resizes to the model input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-folder-'));
  mkdirSync(join(dir, 'cats'));
  mkdirSync(join(dir, 'dogs'));
  writeFileSync(join(dir, 'cats', 'a.png'), solidPng(40, 20, [200, 10, 30]));
  writeFileSync(join(dir, 'cats', 'notes.txt'), 'ignored');
  const rgba = new Uint8Array(16 * 16 * 4);
  for (let i = 0; i < 256; i++) rgba.set([20, 120, 220, 255], 4 * i);
  writeFileSync(join(dir, 'dogs', 'b.JPG'), jpeg.encode({ width: 16, height: 16, data: rgba }, 95).data);
  const ds = loadImageFolder(dir, { height: 8, width: 8 });
  assert.deepEqual(ds.classNames, ['cats', 'dogs']);
  assert.deepEqual([...ds.labels], [0, 1]);
  assert.equal(ds.images.length, 2 * 8 * 8 * 3);
  assert.deepEqual([...ds.images.subarray(0, 3)], [200, 10, 30]);
  const dog = ds.images.subarray(192, 195);
  [20, 120, 220].forEach((v, c) => assert.ok(Math.abs(dog[c] - v) <= 3, `jpeg channel ${c}: ${dog[c]} vs ${v}`));
  const grey = loadImageFolder(dir, { height: 4, width: 4, channels: 1 });
  assert.equal(grey.images[0], Math.round(0.299 * 200 + 0.587 * 10 + 0.114 * 30));
});

test('empty class folders, no classes and unreadable images are typed errors naming the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-folder-bad-'));
  assert.throws(() => loadImageFolder(dir), (e) => isRanasError(e, 'E_DATA_EMPTY') && e.message.includes(dir));
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'x.png'), solidPng(4, 4, [1, 2, 3]));
  mkdirSync(join(dir, 'b'));
  assert.throws(() => loadImageFolder(dir), (e) => isRanasError(e, 'E_DATA_EMPTY') && e.message.includes(join(dir, 'b')));
  writeFileSync(join(dir, 'b', 'broken.png'), 'not a png at all');
  assert.throws(() => loadImageFolder(dir), (e) => isRanasError(e, 'E_DATA_CORRUPT') && e.message.includes('broken.png'));
  writeFileSync(join(dir, 'b', 'broken.png'), solidPng(4, 4, [1, 2, 3]).subarray(0, 40));
  assert.throws(() => loadImageFolder(dir), (e) => isRanasError(e, 'E_DATA_CORRUPT') && e.message.includes('broken.png'));
});
