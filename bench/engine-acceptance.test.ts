/** The acceptance checks of bench/engine.ts: thresholds, the default replica row, and the PyTorch ratio only when measured. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { acceptanceChecks } from './engine-acceptance.ts';
import type { BackendFigures } from './engine-figures.ts';

const native = (training1: number, training2: number, forward: number): BackendFigures => ({
  backend: 'tensorflow', available: true, version: 'x', defaultReplicas: 1, load: [0, 0],
  forward: { imgPerSec: forward, imgPerCpuSec: forward },
  training: [{ replicas: 1, imgPerSec: training1, imgPerCpuSec: training1 }, { replicas: 2, imgPerSec: training2, imgPerCpuSec: training2 }],
});

it('judges the default replica count, not the best row', () => {
  const [training, forward, torch] = acceptanceChecks([native(1100, 1300, 3600)], { status: 'absent', reason: 'No module named torch' });
  assert.equal(training.pass, false);
  assert.match(training.measured, /^1,100 \(1 replica\)/);
  assert.equal(forward.pass, true);
  assert.equal(torch.pass, null);
  assert.match(torch.measured, /PyTorch absent: No module named torch/);
});

it('compares with PyTorch training when it was measured (≥ 0.7×)', () => {
  const torch = { status: 'measured', version: '2', threads: 2, forwardImgPerSec: 5000 } as const;
  assert.equal(acceptanceChecks([native(1200, 0, 3500)], { ...torch, trainingImgPerSec: 1700 })[2].pass, true); // 0.706
  const below = acceptanceChecks([native(1200, 0, 3500)], { ...torch, trainingImgPerSec: 1800 })[2]; // 0.667
  assert.equal(below.pass, false);
  assert.match(below.measured, /^0\.67 /);
});

it('without the native engine every check says why and none passes', () => {
  const checks = acceptanceChecks([{ backend: 'tensorflow', available: false, reason: 'tfjs-node not installed' }], { status: 'absent', reason: '' });
  assert.equal(checks.length, 3);
  for (const c of checks) {
    assert.equal(c.pass, null);
    assert.match(c.measured, /tfjs-node not installed/);
  }
});
