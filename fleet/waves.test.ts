import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWavePercents, planWaves } from './waves.ts';
import { isRanasError } from '../src/errors.ts';

test('waves: cumulative percentages, every device once, at least one per wave, seeded order', () => {
  const devices = Array.from({ length: 1020 }, (_, i) => `d${i}`);
  const waves = planWaves(devices, [1, 10, 50, 100], 7);
  assert.deepEqual(waves.map((w) => w.devices.length), [11, 91, 408, 510]);
  assert.equal(new Set(waves.flatMap((w) => w.devices)).size, 1020);
  assert.deepEqual(planWaves(devices, [1, 10, 50, 100], 7), waves, 'same seed, same plan');
  assert.notDeepEqual(planWaves(devices, [1, 10, 50, 100], 8)[0].devices, waves[0].devices);
  assert.notDeepEqual(waves[0].devices, devices.slice(0, 11), 'the first wave is a sample, not the first names');
  assert.deepEqual(planWaves(['a', 'b', 'c'], [1, 10, 50, 100], 1).map((w) => w.devices.length), [1, 1, 1]);
  assert.deepEqual(planWaves(['a'], [1, 10, 50, 100], 1).map((w) => w.devices.length), [1]);
});

test('wave percentages must increase and end at 100', () => {
  assert.deepEqual(parseWavePercents('5, 25,100'), [5, 25, 100]);
  for (const bad of ['10,5,100', '1,10,50', '0,100', 'x']) assert.throws(() => parseWavePercents(bad), (e) => isRanasError(e, 'E_FLEET_WAVES'));
});
