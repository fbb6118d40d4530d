import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomGenotype } from '../model/random-genotype.ts';
import { buildNetwork, matchMsRanasParams, paramsOf, type Width } from './study-networks.ts';
import { FULL_PLAN } from './study-plan.ts';

// The case the full study met: random genotype 1 at C 8 is 10.9 % over the searched reference (428,782
// parameters), C 6 is far under; only the heads can bring it within ±10 %.
const net = FULL_PLAN.networks.find((n) => n.name === 'random-1');
const build = (w: Width) => {
  if (!net) throw new Error('random-1 is not in the full plan');
  return buildNetwork(net, FULL_PLAN.grid, randomGenotype(1, FULL_PLAN.grid.nodes), w, 0);
};

test('a genotype between two C steps keeps its C and changes only its heads, by the fewest channels that match', () => {
  const target = 428_782;
  assert.ok(paramsOf(build({ channels: 8 })) / target - 1 > 0.1, 'the grid\'s heads at C 8 are over the tolerance');
  const m = matchMsRanasParams(FULL_PLAN.grid, build, target, 0.1, 'random-1');
  assert.equal(m.width.channels, 8);
  assert.ok(m.width.headChannels !== undefined && m.width.headChannels < 32, JSON.stringify(m.width));
  assert.ok(Math.abs(m.params / target - 1) <= 0.1);
  // Two channels more on the heads would be over the tolerance: the change is the smallest that matches.
  assert.ok(paramsOf(build({ channels: 8, headChannels: (m.width.headChannels ?? 0) + 2 })) / target - 1 > 0.1);
});

test('a network that fits with the grid\'s heads keeps them; one no head width can match is refused', () => {
  const own = paramsOf(build({ channels: 8 }));
  assert.deepEqual(matchMsRanasParams(FULL_PLAN.grid, build, own, 0.1, 'random-1').width, { channels: 8 });
  // 1,000 parameters: the narrowest C (2) with heads down to half the grid's (8 → 4) is still far over.
  assert.throws(() => matchMsRanasParams(FULL_PLAN.grid, build, 1000, 0.1, 'random-1'), (e: Error & { code?: string }) => e.code === 'E_STUDY_PARAMS' && /nearest width \(C 2\).*no head width from 4 to 16 channels fits either; expected within 10 %/.test(e.message));
});
