import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profileBundlesInPasses } from './calibration-bundles.ts';

test('rounds go on after `passes` until `minMinutes` have passed since the first began', async () => {
  let t = 0;
  const rounds: number[] = [];
  const beforeRound = async (r: number) => { rounds.push(r); t += 60_000; };
  await profileBundlesInPasses([], { runtime: 'onnx', threads: 1, passes: 2, minMinutes: 5, beforeRound, now: () => t });
  assert.deepEqual(rounds, [0, 1, 2, 3, 4]);
  // Without a minimum, or when the passes take longer than it, exactly `passes` rounds.
  for (const minMinutes of [0, 1]) {
    rounds.length = 0;
    await profileBundlesInPasses([], { runtime: 'onnx', threads: 1, passes: 3, minMinutes, beforeRound, now: () => t });
    assert.deepEqual(rounds, [0, 1, 2], `minMinutes ${minMinutes}`);
  }
});
