import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchLocal, missCause, spreadBudgets } from './bench-local.ts';
import { createAgent } from '../device/agent.ts';
import { makeTinyBundles, TINY_SIZE } from '../device/testing/tiny-bundles.ts';

let dir = '';
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-local-'));
  await makeTinyBundles(path.join(dir, 'export'), ['tflite']);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('spreadBudgets: evenly from lo to hi', () => {
  assert.deepEqual(spreadBudgets(100, 300, 5), [100, 150, 200, 250, 300]);
});

test('missCause: exit 1 answers are forced; later ones blame a segment past safety × p99, else the time outside', () => {
  const p99 = [100, 200, 300];
  assert.equal(missCause({ exitIndex: 0, segmentLatencyUs: [500] }, p99, 1.1), 'forced');
  assert.equal(missCause({ exitIndex: 1, segmentLatencyUs: [90, 221] }, p99, 1.1), 'segment');
  assert.equal(missCause({ exitIndex: 2, segmentLatencyUs: [500, 200, 320] }, p99, 1.1), 'outside', 'segment 0 ran long, but it was not a choice');
});

test('benchLocal: exits, miss rates at extreme budgets, accuracy against known labels, overhead fields', async () => {
  const bundle = path.join(dir, 'export', 'tflite-int8');
  const size = TINY_SIZE * TINY_SIZE * 3;
  const count = 6;
  const images = Uint8Array.from({ length: count * size }, (_, i) => (i * 29 + 3) & 255);
  // Labels = what the full path predicts (accuracy 1 at an unlimited budget), found with a separate agent.
  const agent = await createAgent({ bundleDir: path.join(dir, 'store'), profile: { warmups: 1, runs: 5 } });
  await agent.install(bundle);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = (await agent.run({ input: images.subarray(i * size, (i + 1) * size), shape: [TINY_SIZE, TINY_SIZE, 3], budgetUs: 1e12, policy: 'deadline' })).classIndex;
  await agent.close();
  const data = { images, labels, count, height: TINY_SIZE, width: TINY_SIZE, channels: 3 };
  const r = await benchLocal(bundle, { requests: 12, budgetsUs: [0, 1e12], data, overheadRuns: 20, profile: { warmups: 2, runs: 20 }, rssWarmupRequests: 4, rssWarmupMs: 0, rssSampleEvery: 6 });
  assert.equal(r.bundle.segments, 2);
  assert.equal(r.exits.length, 2);
  assert.ok(r.exits[1].cumulativeP50Us > r.exits[0].cumulativeP50Us);
  const [zero, unlimited] = r.budgets;
  assert.deepEqual(zero.exitCounts, [12, 0]);
  assert.equal(zero.missRate, 1);
  assert.equal(zero.overBudgetRate, 1);
  assert.deepEqual(zero.missCauses, { forced: 12, segment: 0, outside: 0 });
  assert.equal(zero.missRateInBudget, 0, 'no request was within budget');
  assert.deepEqual(unlimited.exitCounts, [0, 12]);
  assert.equal(unlimited.missRate, 0);
  assert.equal(unlimited.accuracy, 1);
  assert.equal(unlimited.meanExit, 1);
  assert.equal(r.overhead.runs, 20);
  assert.ok(r.overhead.rawChainP50Us > 0 && r.overhead.monolithicP50Us !== null);
  assert.equal(r.rss.requests, 24);
  assert.equal(r.rss.warmupRequests, 4);
  assert.equal(r.rss.samplesBytes.length, 6, 'baseline, every 6 requests, end');
  assert.ok(r.rss.minBytes <= r.rss.startBytes && r.rss.startBytes <= r.rss.maxBytes);
  assert.ok(r.exitOneCostUs > r.profile[0].p99Us && r.fullPathCostUs > r.exitOneCostUs);
});
