import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../../src/errors.ts';
import { referenceForward } from '../reference/reference-forward.ts';
import { GraphBuilder, randomImage } from '../reference/test-graphs.ts';
import { calibrate } from './calibrate.ts';

function smallGraph() {
  const b = new GraphBuilder('x', [4, 4, 2], 3);
  const c = b.relu('r', b.conv('c', 'x', { filters: 3, bias: true }));
  b.dense('fc', b.gap('g', c), 2);
  return b.build();
}

test('minmax records the exact extremes of every tensor over all images', () => {
  const g = smallGraph();
  const images = [1, 2, 3, 4].map((s) => randomImage([4, 4, 2], s));
  const ranges = calibrate(g, images, { method: 'minmax', minImages: 4 });
  assert.deepEqual(Object.keys(ranges).sort(), ['c', 'fc', 'g', 'r', 'x']);
  for (const t of ['x', 'c', 'r', 'fc']) {
    let min = Infinity;
    let max = -Infinity;
    for (const img of images) {
      const v = t === 'x' ? img : (referenceForward(g, img, [t]).get(t) as Float32Array);
      for (const a of v) { min = Math.min(min, a); max = Math.max(max, a); }
    }
    assert.deepEqual(ranges[t], { min, max }, t);
  }
  assert.equal(ranges.r.min, 0);
});

test('percentile clips a single outlier that minmax keeps', () => {
  const b = new GraphBuilder('x', [8, 8, 1]);
  b.relu('r', 'x');
  const g = b.build();
  const images = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => randomImage([8, 8, 1], s)); // values in [-1, 1)
  images[3][17] = 50;
  const mm = calibrate(g, images, { method: 'minmax', minImages: 8 });
  assert.equal(mm.x.max, 50);
  const pc = calibrate(g, images, { method: 'percentile', percentile: 99, minImages: 8 });
  assert.ok(pc.x.max < 1.05 && pc.x.max > 0.9, `p99 max ${pc.x.max}`);
  assert.ok(pc.x.min > -1.05 && pc.x.min < -0.9, `p1 min ${pc.x.min}`);
});

test('NaN or Inf in an activation is an error naming the tensor and image', () => {
  const g = smallGraph();
  g.weights['c/bias'].data[1] = Number.POSITIVE_INFINITY;
  const images = [1, 2].map((s) => randomImage([4, 4, 2], s));
  assert.throws(() => calibrate(g, images, { method: 'minmax', minImages: 1 }), (e: unknown) =>
    isRanasError(e, 'E_CALIB_NONFINITE') && /tensor c has \+Inf/.test(e.message) && e.details.tensor === 'c' && e.details.image === 0);
  const bad = smallGraph();
  const imgs = [randomImage([4, 4, 2], 1), randomImage([4, 4, 2], 2)];
  imgs[1][3] = Number.NaN;
  assert.throws(() => calibrate(bad, imgs, { method: 'minmax', minImages: 1 }), (e: unknown) =>
    isRanasError(e, 'E_CALIB_NONFINITE') && /tensor x has NaN/.test(e.message) && e.details.image === 1);
});

test('too few images is a clear error with found and expected counts (default minimum 512)', () => {
  const g = smallGraph();
  const images = [1, 2, 3].map((s) => randomImage([4, 4, 2], s));
  assert.throws(() => calibrate(g, images, { method: 'minmax' }), (e: unknown) =>
    isRanasError(e, 'E_CALIB_TOO_FEW') && /at least 512 images; found 3/.test(e.message) && e.details.found === 3 && e.details.expected === 512);
  assert.throws(() => calibrate(g, images, { method: 'minmax', minImages: 4 }), /at least 4 images; found 3/);
  assert.throws(() => calibrate(g, images, { method: 'percentile', percentile: 40, minImages: 1 }), /percentile must be in/);
});
