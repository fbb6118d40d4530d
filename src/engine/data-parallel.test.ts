/**
 * Data parallelism: gradients from 2 replicas (one worker thread) equal single-replica gradients on the
 * same batch (no batch-norm: exact up to float32 summation order, ≤ 1e-5 relative); with batch-norm they
 * equal the mean of the per-shard results and the buffers end as the mean of the per-shard buffers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.ts';
import { relError } from './test-support.ts';
import { initEngine } from './backend.ts';
import { createDataParallel, shardSizes } from './data-parallel.ts';
import { referenceNetRecipe, type ReferenceNetConfig } from './reference-net.ts';
import type { DataParallel } from './data-parallel-types.ts';
import { syntheticBatch } from './synthetic-batch.ts';
import { readBuffers, shardGradients, writeState } from './replica.ts';

const SMALL: ReferenceNetConfig = { channels: 4, blocks: 2, classes: 10, batchNorm: false, seed: 5 };
const SMALL_BN: ReferenceNetConfig = { ...SMALL, batchNorm: true };
const batch = syntheticBatch(6, 11);


const open: DataParallel[] = [];
async function make(config: ReferenceNetConfig, replicas: number): Promise<DataParallel> {
  const dp = await createDataParallel(referenceNetRecipe(config), { replicas });
  open.push(dp);
  return dp;
}

let smallPair: Promise<[DataParallel, DataParallel]> | undefined;
/** One single-replica and one 2-replica model (worker start-up is the slow part of these tests). */
function small(): Promise<[DataParallel, DataParallel]> {
  smallPair ??= Promise.all([make(SMALL, 1), make(SMALL, 2)]);
  return smallPair;
}

before(async () => {
  await initEngine();
});
after(async () => {
  await Promise.all(open.map((d) => d.dispose()));
});

describe('shardSizes', () => {
  it('splits rows near-equally, larger shards first, dropping empty ones', () => {
    assert.deepEqual(shardSizes(7, 2), [4, 3]);
    assert.deepEqual(shardSizes(64, 2), [32, 32]);
    assert.deepEqual(shardSizes(1, 3), [1]);
  });
});

describe('createDataParallel', () => {
  it('2 replicas give the single-replica gradients of the same batch (no batch-norm)', async () => {
    const [one, two] = await small();
    assert.equal(two.replicas, 2);
    const a = await one.gradients(batch.x.slice(), batch.shape, batch.labels.slice());
    const b = await two.gradients(batch.x.slice(), batch.shape, batch.labels.slice());
    assert.ok(Math.abs(a.total - b.total) <= 1e-5 * Math.abs(a.total), `loss ${a.total} vs ${b.total}`);
    assert.equal(a.grads.size, b.grads.size);
    for (const [name, g] of a.grads) {
      const other = b.grads.get(name);
      assert.ok(other, name);
      assert.ok(relError(other, g) <= 1e-5, `${name}: relative error ${relError(other, g)}`);
    }
  });

  it('follows replica 0 weights: after an update both replicas compute with the new weights', async () => {
    const [one, two] = await small();
    for (const dp of [one, two]) {
      const w = dp.model.variables.get('fc/b');
      assert.ok(w);
      w.assign(tf.add(w, 0.5));
    }
    const a = await one.gradients(batch.x.slice(), batch.shape, batch.labels.slice(), ['fc/w']);
    const b = await two.gradients(batch.x.slice(), batch.shape, batch.labels.slice(), ['fc/w']);
    assert.deepEqual([...b.grads.keys()], ['fc/w']);
    const ga = a.grads.get('fc/w');
    const gb = b.grads.get('fc/w');
    assert.ok(ga && gb);
    assert.ok(relError(gb, ga) <= 1e-5, `relative error ${relError(gb, ga)}`);
  });

  it('with batch-norm: gradients and buffers are the mean of the per-shard results', async () => {
    const two = await make(SMALL_BN, 2);
    const ref = await make(SMALL_BN, 1);
    const [n, h, w, c] = batch.shape;
    const half = n / 2;
    const per = h * w * c;
    // Per-shard reference results on an identical single-thread model (buffers reset between shards).
    const before = readBuffers(ref.model);
    const s0 = shardGradients(ref.model, batch.x.slice(0, half * per), [half, h, w, c], batch.labels.slice(0, half));
    writeState(ref.model, before);
    const s1 = shardGradients(ref.model, batch.x.slice(half * per), [half, h, w, c], batch.labels.slice(half));
    const got = await two.gradients(batch.x.slice(), batch.shape, batch.labels.slice());
    assert.ok(Math.abs(got.total - (s0.total + s1.total) / 2) <= 1e-5 * Math.abs(got.total));
    s0.grads.forEach(([name, g0], i) => {
      const mean = g0.map((v, k) => (v + s1.grads[i][1][k]) / 2);
      const g = got.grads.get(name);
      assert.ok(g, name);
      assert.ok(relError(g, mean) <= 1e-5, `${name}: relative error ${relError(g, mean)}`);
    });
    const buffers = new Map(readBuffers(two.model));
    s0.buffers.forEach(([name, b0], i) => {
      const mean = b0.map((v, k) => (v + s1.buffers[i][1][k]) / 2);
      const b = buffers.get(name);
      assert.ok(b, name);
      assert.ok(relError(b, mean) <= 1e-5, `${name}: relative error ${relError(b, mean)}`);
    });
  });
});

