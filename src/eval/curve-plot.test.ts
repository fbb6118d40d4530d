import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curveSpec, renderCurveSvg, zoomedAccuracyDomain, type CurvePoint } from './curve-plot.ts';

const pts: CurvePoint[] = [{ series: 'a', x: 1, accuracy: 69.7 }, { series: 'a', x: 2, accuracy: 82.8 }, { series: 'p', x: 5, accuracy: 94.1, published: true }];

test('the zoomed accuracy axis covers every point with a margin, in whole 5 % steps, and is off near chance', () => {
  assert.deepEqual(zoomedAccuracyDomain(pts), [65, 100]);
  assert.deepEqual(zoomedAccuracyDomain(pts.slice(0, 2)), [65, 85]);
  assert.equal(zoomedAccuracyDomain([{ series: 'a', x: 1, accuracy: 11 }]), null);
  assert.equal(zoomedAccuracyDomain([]), null);
});

test('a zoomed plot says where its axis starts and leaves out a chance line below it', async () => {
  const layers = (s: object) => JSON.stringify(s);
  const full = curveSpec(pts, 't', 'x', 10);
  const zoomed = curveSpec(pts, 't', 'x', 10, false, [65, 100]);
  assert.match(layers(full), /chance \(10 %\)/);
  assert.doesNotMatch(layers(zoomed), /chance/);
  assert.match(layers(zoomed), /axis from 65/);
  assert.match(layers(zoomed), /"domain":\[65,100\]/);
  const svg = await renderCurveSvg(pts, 't', 'x', 10, false, [65, 100]);
  assert.match(svg, /^<svg/);
  assert.match(svg, /axis from 65/);
});
