import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { createDataParallel } from '../engine/data-parallel.ts';
import { loadModel, saveModel } from '../ir/serialize.ts';
import { loadGenotype } from '../model/genotype.ts';
import { buildMsRanas } from '../model/ms-ranas.ts';
import { genotypePath } from '../model/presets.ts';
import { shardGradients } from '../engine/replica.ts';
import type { ShardStep } from '../engine/data-parallel-types.ts';
import { dropPathMask, dropPathSeed, scheduledDropPath } from './drop-path.ts';
import { createProgram } from './program.ts';
import { buildTrainableGraph, trainableGraphRecipe } from './trainable-graph.ts';
import { tinyGraph } from './tiny-graph.ts';

await initEngine();

test('masks: drop rate p, kept samples scaled by 1/(1 − p), independent of how the batch is sharded', () => {
  const step = { prob: 0.3, seed: dropPathSeed(7, 12) };
  const m = dropPathMask({ ...step, sampleOffset: 0 }, 'cell/node0#1', 20000);
  const dropped = m.filter((v) => v === 0).length / m.length;
  assert.ok(Math.abs(dropped - 0.3) < 0.015, `dropped fraction ${dropped}`);
  assert.ok(m.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
  const mean = m.reduce((s, v) => s + v, 0) / m.length;
  assert.ok(Math.abs(mean - 1) < 0.03, `mean multiplier ${mean} (expected 1)`);
  // Rows 8..15 drawn by a replica whose shard starts at 8 equal rows 8..15 of the whole batch.
  assert.deepEqual(dropPathMask({ ...step, sampleOffset: 8 }, 'cell/node0#1', 8), m.slice(8, 16));
  // Other sites and other steps draw other masks.
  assert.notDeepEqual(dropPathMask({ ...step, sampleOffset: 0 }, 'cell/node0#0', 64), m.slice(0, 64));
  assert.notDeepEqual(dropPathMask({ prob: 0.3, seed: dropPathSeed(7, 13), sampleOffset: 0 }, 'cell/node0#1', 64), m.slice(0, 64));
});

test('schedule: DARTS p · epoch / epochs, and a bad probability is refused', () => {
  assert.equal(scheduledDropPath(0.3, 0, 10), 0);
  assert.ok(Math.abs(scheduledDropPath(0.3, 5, 10) - 0.15) < 1e-12);
  assert.throws(() => scheduledDropPath(1, 1, 2), /drop-path probability is 1; expected a number in \[0, 1\)/);
});

test('executor: training drops flagged inputs per sample; identity inputs and inference are untouched', () => {
  const graph = tinyGraph({ size: 8, width: 4, classes: 3, seed: 2, dropPath: true });
  const program = createProgram(graph);
  try {
    const x = tf.randomNormal([6, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const shard = { prob: 0.5, seed: dropPathSeed(1, 0), sampleOffset: 0 };
    const mask = dropPathMask(shard, 'b1/add#0', 6);
    assert.ok(mask.some((v) => v === 0) && mask.some((v) => v > 0), 'the test batch has dropped and kept samples');
    tf.tidy(() => {
      const r = program.forward(x, { training: true, dropPath: shard, capture: ['b1/bn', 'stem/relu', 'b1/add'] });
      const bn = r.captured.get('b1/bn') as tf.Tensor4D;
      const skip = r.captured.get('stem/relu') as tf.Tensor4D;
      const expected = tf.relu(tf.add(tf.mul(bn, tf.tensor(mask, [6, 1, 1, 1])), skip));
      const err = tf.max(tf.abs(tf.sub(expected, r.captured.get('b1/add') as tf.Tensor))).dataSync()[0];
      assert.ok(err < 1e-5, `training output vs relu(mask·edge + identity): max error ${err}`);
      const plain = program.forward(x, { dropPath: shard, capture: ['b1/bn', 'stem/relu', 'b1/add'] });
      const want = tf.relu(tf.add(plain.captured.get('b1/bn') as tf.Tensor, plain.captured.get('stem/relu') as tf.Tensor));
      assert.ok(tf.max(tf.abs(tf.sub(want, plain.captured.get('b1/add') as tf.Tensor))).dataSync()[0] < 1e-6, 'inference ignores drop-path');
    });
    x.dispose();
  } finally {
    program.dispose();
  }
});

test('IR: cell sums flag exactly their non-identity edges, and the flags survive save/load', () => {
  const genotype = loadGenotype(genotypePath('darts-v2'));
  const g = buildMsRanas(genotype, {
    scales: 2, layers: 3, initChannels: 4, nodes: 4, reductionLayers: [3], exitLayers: [2, 3], growth: [1, 2],
    numClasses: 10, inputShape: [16, 16, 3], seed: 1, head: { kind: 'linear', channels: 0 }, bottleneckWidth: null,
  });
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const sums = g.nodes.filter((n) => n.op === 'add' && n.attrs.dropPath !== undefined);
  assert.ok(sums.length > 0);
  const identities = { normal: 0, reduce: 0 };
  const cells = { normal: new Set<string>(), reduce: new Set<string>() };
  for (const n of sums) {
    if (n.op !== 'add' || !n.attrs.dropPath) continue;
    const kind = n.tags?.cell === 'reduce' ? 'reduce' : 'normal';
    cells[kind].add(n.name.replace(/\/node\d+$/, ''));
    n.inputs.forEach((input, i) => {
      const fromEdgeOp = byName.get(input)?.tags?.primitive !== undefined;
      assert.equal(n.attrs.dropPath?.[i], fromEdgeOp, `${n.name} input ${i} (${input})`);
      if (!fromEdgeOp) identities[kind] += 1;
    });
  }
  // DARTS_V2: 2 identity edges per normal cell, 3 per reduction cell (skip_connect from a node at stride 1).
  assert.equal(identities.normal, 2 * cells.normal.size);
  assert.equal(identities.reduce, 3 * cells.reduce.size);
  const dir = mkdtempSync(join(tmpdir(), 'ranas-droppath-'));
  try {
    saveModel(dir, g);
    const back = loadModel(dir);
    assert.deepEqual(back.nodes.filter((n) => n.op === 'add').map((n) => n.attrs), g.nodes.filter((n) => n.op === 'add').map((n) => n.attrs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data-parallel: a worker replica draws the masks of its rows in the whole batch', async () => {
  // Batch-norm statistics are per shard, so compare the 2-replica gradients with the mean of the two shards
  // computed in this thread at their global offsets (0 and n/2).
  const graph = tinyGraph({ size: 8, width: 4, classes: 3, seed: 4, dropPath: true });
  const config = { graph, exitWeights: [1, 1] };
  const n = 8;
  const row = 8 * 8 * 3;
  const x = Float32Array.from({ length: n * row }, (_, i) => Math.sin(i * 0.37));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const step = { dropPath: { prob: 0.5, seed: dropPathSeed(3, 5) } };
  const local = buildTrainableGraph(config);
  const two = await createDataParallel(trainableGraphRecipe(config), { replicas: 2 });
  try {
    const half = (k: number, s: ShardStep) => shardGradients(local, x.slice(k * 4 * row, (k + 1) * 4 * row), [4, 8, 8, 3], labels.slice(k * 4, k * 4 + 4), undefined, s);
    const [h0, h1] = [half(0, { ...step, sampleOffset: 0 }), half(1, { ...step, sampleOffset: 4 })];
    const wrongOffset = half(1, { ...step, sampleOffset: 0 });
    const b = await two.gradients(x, [n, 8, 8, 3], labels, undefined, step);
    const g1 = new Map(h1.grads);
    const gw = new Map(wrongOffset.grads);
    let worstRight = 0;
    let worstWrong = 0;
    for (const [name, a0] of h0.grads) {
      const a1 = g1.get(name);
      const bb = b.grads.get(name);
      const w1 = gw.get(name);
      assert.ok(a1 && bb && w1);
      const scale = Math.max(1e-3, ...bb.map(Math.abs));
      worstRight = Math.max(worstRight, ...bb.map((v, i) => Math.abs(v - (a0[i] + a1[i]) / 2) / scale));
      worstWrong = Math.max(worstWrong, ...bb.map((v, i) => Math.abs(v - (a0[i] + w1[i]) / 2) / scale));
    }
    assert.ok(worstRight < 1e-4, `replica gradients vs shard means at the right offsets: relative error ${worstRight}`);
    assert.ok(worstWrong > 1e-3, `the same shard with the wrong offset draws other masks (relative difference ${worstWrong})`);
  } finally {
    local.dispose();
    await two.dispose();
  }
});
