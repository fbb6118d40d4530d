// createProgram on a hand-made graph: exits, BN buffers in train vs eval mode, alpha kinds, weight
// export/import, captures, and the exit-weighted loss against a hand computation.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../engine/tf.ts';
import { initEngine } from '../engine/backend.ts';
import { createProgram } from './program.ts';
import { buildTrainableGraph, exitWeightedLoss } from './trainable-graph.ts';
import { tinyGraph } from './tiny-graph.ts';
import { keepExits } from '../run/keep-exits.ts';

before(async () => { await initEngine(); });

const input = (n: number, size = 8) => tf.tensor4d(Float32Array.from({ length: n * size * size * 3 }, (_, i) => Math.sin(i * 0.37)), [n, size, size, 3]);

test('forward returns one [N, classes] logit tensor per exit and captured intermediates', () => {
  const p = createProgram(tinyGraph({ classes: 5 }));
  tf.tidy(() => {
    const r = p.forward(input(3), { capture: ['stem/relu', 'b1/mix'] });
    assert.deepEqual(r.exits.map((e) => e.shape), [[3, 5], [3, 5]]);
    assert.deepEqual(r.captured.get('stem/relu')?.shape, [3, 8, 8, 8]);
    assert.deepEqual(r.captured.get('b1/mix')?.shape, [3, 4, 4, 16]);
  });
  assert.throws(() => p.forward(input(1, 6)), /expected \[N, 8, 8, 3\]/);
  p.dispose();
});

test('training forward updates BN running statistics; eval forward leaves them and uses them', () => {
  const p = createProgram(tinyGraph());
  const mean = () => Array.from(p.buffers.get('stem/bn/movingMean')?.dataSync() ?? []);
  const before0 = mean();
  tf.tidy(() => { p.forward(input(2)); });
  assert.deepEqual(mean(), before0, 'eval mode must not move running stats');
  const evalOut = tf.tidy(() => Array.from(p.forward(input(2)).exits[0].dataSync()));
  tf.tidy(() => { p.forward(input(2), { training: true }); });
  const after = mean();
  assert.ok(after.some((v, i) => Math.abs(v - before0[i]) > 1e-6), 'training mode must move running stats');
  const evalOut2 = tf.tidy(() => Array.from(p.forward(input(2)).exits[0].dataSync()));
  assert.ok(evalOut2.some((v, i) => Math.abs(v - evalOut[i]) > 1e-6), 'eval output must depend on the running stats');
  p.dispose();
});

test('alphas named by mixedOp are variables of kind alpha; BN stats are buffers', () => {
  const p = createProgram(tinyGraph({ withMixedOp: true }));
  assert.equal(p.variableKinds.get('alpha/normal'), 'alpha');
  assert.equal(p.variableKinds.get('stem/conv/filter'), 'weight');
  assert.ok(p.buffers.has('b1/bn/movingVariance') && !p.variables.has('b1/bn/movingVariance'));
  p.dispose();
});

test('exportWeights returns the current values; importWeights restores them', () => {
  const g = tinyGraph();
  const p = createProgram(g);
  tf.tidy(() => { p.forward(input(2), { training: true }); });
  const w = p.exportWeights();
  assert.deepEqual(Object.keys(w).sort(), Object.keys(g.weights).sort());
  const q = createProgram({ ...g, weights: w });
  const a = tf.tidy(() => Array.from(p.forward(input(2)).exits[1].dataSync()));
  const b = tf.tidy(() => Array.from(q.forward(input(2)).exits[1].dataSync()));
  assert.deepEqual(a, b);
  q.importWeights(g.weights);
  const c = tf.tidy(() => Array.from(q.forward(input(2)).exits[1].dataSync()));
  assert.ok(c.some((v, i) => v !== a[i]));
  assert.throws(() => q.importWeights({ nope: { data: new Float32Array(1) } }), /no such variable/);
  p.dispose();
  q.dispose();
});

test('exit-weighted loss = sum_k w_k * mean CE_k, checked by hand', () => {
  const l0 = [[2, 0, 0], [0, 1, 0]];
  const l1 = [[0, 0, 3], [1, 1, 1]];
  const labels = [0, 2];
  const ce = (row: number[], y: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[y];
  const ce0 = (ce(l0[0], 0) + ce(l0[1], 2)) / 2;
  const ce1 = (ce(l1[0], 0) + ce(l1[1], 2)) / 2;
  const { total, terms } = tf.tidy(() => {
    const r = exitWeightedLoss([tf.tensor2d(l0), tf.tensor2d(l1)], tf.tensor1d(labels, 'int32'), [0.25, 2]);
    return { total: r.total.dataSync()[0], terms: r.terms.map((t) => t.dataSync()[0]) };
  });
  assert.ok(Math.abs(terms[0] - ce0) < 1e-5 && Math.abs(terms[1] - ce1) < 1e-5);
  assert.ok(Math.abs(total - (0.25 * ce0 + 2 * ce1)) < 1e-5);
  assert.throws(() => tf.tidy(() => { exitWeightedLoss([tf.tensor2d(l0)], tf.tensor1d(labels, 'int32'), [1, 1]); }), /one exit weight per exit/);
});

test('the trainable graph gives gradients for every weight and the alpha', () => {
  const m = buildTrainableGraph({ graph: tinyGraph({ withMixedOp: true }), exitWeights: [1, 1] });
  const vars = [...m.variables.values()];
  const { grads } = tf.variableGrads(() => m.loss(input(2), tf.tensor1d([1, 3], 'int32')).total, vars);
  for (const v of vars) assert.ok(grads[v.name], `gradient for ${v.name}`);
  const alphaGrad = grads[m.variables.get('alpha/normal')?.name ?? ''];
  assert.ok(alphaGrad.dataSync().some((x) => Math.abs(x) > 0), 'alpha gets a non-zero gradient');
  tf.dispose(Object.values(grads));
  m.dispose();
});

test('keepExits keeps the last exit and drops the nodes and weights only other exits used', () => {
  const g = tinyGraph();
  const k = keepExits(g, [1]);
  assert.deepEqual(k.exits.map((e) => [e.index, e.tensor]), [[0, 'exit1/logits']]);
  assert.ok(!k.nodes.some((n) => n.name.startsWith('exit0/')));
  assert.ok(!('exit0/logits/kernel' in k.weights) && 'exit1/logits/kernel' in k.weights);
  assert.equal(k.nodes.length, g.nodes.length - 2);
  assert.throws(() => keepExits(g, [2]), /has exits 0..1/);
});
