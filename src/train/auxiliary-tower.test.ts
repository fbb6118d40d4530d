import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeGraph } from '../ir/analysis.ts';
import { validateGraph } from '../ir/validate.ts';
import { buildPreset } from '../model/presets.ts';
import { auxiliaryTap, withAuxiliaryTower, withoutAuxiliaryTower } from './auxiliary-tower.ts';
import { chooseModel } from '../run/model-choice.ts';

test('darts-cifar: the tower reads cell 2·8//3 = c5 (8×8 after the second reduction) as DARTS; its params are DARTS\'s AuxiliaryHeadCIFAR', () => {
  const net = buildPreset('darts-cifar');
  const tap = auxiliaryTap(net);
  assert.ok(tap);
  assert.match(tap.tensor, /^c5\//);
  const shapes = validateGraph(net);
  const [h, w, c] = shapes.get(tap.tensor) ?? [];
  assert.deepEqual([h, w], [8, 8]);
  const g = withAuxiliaryTower(net, tap, 0);
  assert.equal(g.exits.length, 2);
  assert.equal(g.exits[1].tensor, net.exits[0].tensor);
  // conv1×1 C→128 + BN 256 + conv2×2 128→768 + BN 1536 + linear 768·10 + 10 (DARTS cnn/model.py).
  const towerParams = analyzeGraph(g).totalParams - analyzeGraph(net).totalParams;
  assert.equal(towerParams, c * 128 + 256 + 4 * 128 * 768 + 1536 + 768 * 10 + 10);
  // Removing it gives back the network exactly: same nodes, weights and exit.
  const back = withoutAuxiliaryTower(g);
  assert.deepEqual(back.nodes.map((n) => n.name), net.nodes.map((n) => n.name));
  assert.deepEqual(Object.keys(back.weights).sort(), Object.keys(net.weights).sort());
  assert.deepEqual(back.exits, net.exits);
});

test('the Fig. 4 baseline (1 scale, 5 layers, C=16, one exit) gets a tower at layer 2 + 2·4//3 = 4; MSDNet gets none', () => {
  const net = chooseModel({ preset: 'tiny', scales: 1, layers: 5, initChannels: 16, exitLayers: 'last', singleExit: false, seed: 0 });
  assert.equal(net.exits.length, 1);
  const tap = auxiliaryTap(net);
  assert.equal(tap?.layer, 4);
  assert.match(tap?.tensor ?? '', /^l4\/s1\//);
  assert.equal(auxiliaryTap(buildPreset('msdnet-cifar10')), null);
});
