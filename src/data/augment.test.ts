import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentBatch, evalBatch, evalBatches, CIFAR10_MEAN, CIFAR10_STD } from './augment.ts';
import { syntheticDataset } from './synthetic.ts';
import { Rng } from '../rng.ts';
import { isRanasError } from '../errors.ts';
import type { ImageDataset } from './types.ts';

/** Straightforward reference: pad → crop → flip → normalise → cutout, one pixel at a time. */
function reference(ds: ImageDataset, idx: number, rng: Rng, pad: number, cut: number): Float32Array {
  const { height: H, width: W, channels: C } = ds;
  const dy = rng.int(2 * pad + 1);
  const dx = rng.int(2 * pad + 1);
  const flip = rng.nextU32() >= 0x80000000;
  const cy = rng.int(H);
  const cx = rng.int(W);
  const P = H + 2 * pad;
  const Q = W + 2 * pad;
  const padded = new Uint8Array(P * Q * C);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) for (let k = 0; k < C; k++) padded[((r + pad) * Q + c + pad) * C + k] = ds.images[((idx * H + r) * W + c) * C + k];
  const out = new Float32Array(H * W * C);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const cc = flip ? W - 1 - c : c;
      for (let k = 0; k < C; k++) {
        const v = padded[((r + dy) * Q + cc + dx) * C + k];
        const inCut = r >= cy - cut / 2 && r < cy + cut / 2 && c >= cx - cut / 2 && c < cx + cut / 2;
        out[(r * W + c) * C + k] = cut > 0 && inCut ? 0 : (v / 255 - CIFAR10_MEAN[k]) / CIFAR10_STD[k];
      }
    }
  }
  return out;
}

test('augmentBatch equals a pixel-by-pixel pad/crop/flip/normalise/cutout reference (tol 1e-6)', () => {
  const ds = syntheticDataset({ count: 12, seed: 4 });
  const indices = [3, 0, 11, 7, 7, 5];
  const rng = new Rng(99);
  const refRng = rng.clone();
  const b = augmentBatch(ds, indices, rng, { padPx: 4, cutoutPx: 16 });
  assert.deepEqual(b.shape, [6, 32, 32, 3]);
  assert.deepEqual([...b.y], indices.map((i) => ds.labels[i]));
  const size = 32 * 32 * 3;
  for (let k = 0; k < indices.length; k++) {
    const ref = reference(ds, indices[k], refRng, 4, 16);
    const got = b.x.subarray(k * size, (k + 1) * size);
    let maxErr = 0;
    for (let i = 0; i < size; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - ref[i]));
    assert.ok(maxErr < 1e-6, `image ${k}: max error ${maxErr}`);
  }
  // both consumed exactly the same draws
  assert.equal(rng.nextU32(), refRng.nextU32());
});

test('augmentation is deterministic under a seed and different across seeds', () => {
  const ds = syntheticDataset({ count: 8, seed: 1 });
  const a = augmentBatch(ds, [0, 1, 2, 3], new Rng(5));
  const b = augmentBatch(ds, [0, 1, 2, 3], new Rng(5));
  const c = augmentBatch(ds, [0, 1, 2, 3], new Rng(6));
  assert.deepEqual(a.x, b.x);
  assert.notDeepEqual(a.x, c.x);
});

test('cutout zeroes a clipped square; with no pad/flip/cutout the batch equals evalBatch', () => {
  const ds = syntheticDataset({ count: 4, seed: 2 });
  const plain = augmentBatch(ds, [0, 1, 2, 3], new Rng(1), { padPx: 0, flip: false, cutoutPx: 0 });
  assert.deepEqual(plain.x, evalBatch(ds, [0, 1, 2, 3]).x);
  const cut = augmentBatch(ds, [0], new Rng(1), { padPx: 0, flip: false, cutoutPx: 16 });
  let zeros = 0;
  for (let i = 0; i < cut.x.length; i++) if (cut.x[i] === 0) zeros++;
  // the square is clipped at the border: between 8x8 and 16x16 pixels, 3 channels each
  assert.ok(zeros >= 64 * 3 && zeros <= 256 * 3, `zeros ${zeros}`);
  assert.equal(zeros % 3, 0);
});

test('evalBatch normalises with CIFAR-10 stats; evalBatches covers every image once', () => {
  const ds = syntheticDataset({ count: 10, seed: 3 });
  const b = evalBatch(ds, [2]);
  for (let i = 0; i < 30; i++) {
    const k = i % 3;
    assert.ok(Math.abs(b.x[i] - (ds.images[2 * 3072 + i] / 255 - CIFAR10_MEAN[k]) / CIFAR10_STD[k]) < 1e-6);
  }
  const sizes = [...evalBatches(ds, 4)].map((x) => x.y.length);
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.throws(() => evalBatch(ds, [10]), (e) => isRanasError(e, 'E_DATA_INDEX'));
});
