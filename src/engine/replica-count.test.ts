/** Replicas per backend: one TensorFlow runtime (it threads itself), one single-threaded replica per core otherwise. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultReplicas } from './replica-count.ts';

it('tensorflow trains with one replica whatever the core count', () => {
  for (const cores of [1, 2, 8]) assert.equal(defaultReplicas('tensorflow', cores), 1);
});

it('wasm and cpu use a replica per core, at least 1 and at most the 2 measured', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    assert.deepEqual([0, 1, 2, 8].map((cores) => defaultReplicas(backend, cores)), [1, 1, 2, 2]);
  }
});
