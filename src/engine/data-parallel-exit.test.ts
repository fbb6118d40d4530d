/**
 * Idle workers never keep the process alive: a child process that builds a 2-replica model, computes
 * once and never calls dispose() still exits by itself, with the gradient it printed.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const SCRIPT = `
import { createDataParallel } from ${JSON.stringify(new URL('./data-parallel.ts', import.meta.url).href)};
import { referenceNetRecipe } from ${JSON.stringify(new URL('./reference-net.ts', import.meta.url).href)};
import { syntheticBatch } from ${JSON.stringify(new URL('./synthetic-batch.ts', import.meta.url).href)};
const dp = await createDataParallel(referenceNetRecipe({ channels: 2, blocks: 1, classes: 10, batchNorm: false, seed: 1 }), { replicas: 2 });
const b = syntheticBatch(4, 1);
const r = await dp.gradients(b.x, b.shape, b.labels);
console.log('total', Number.isFinite(r.total), r.grads.size);
`;

it('a process with an undisposed 2-replica model exits on its own', () => {
  const tsx = import.meta.resolve('tsx');
  const child = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(child.signal, null, 'killed by the timeout: a worker kept the process alive');
  assert.equal(child.status, 0, child.stderr.slice(-2000));
  assert.match(child.stdout, /total true 5/);
});
