import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKS, formatChecklist, runChecks } from './doctor-checks.ts';

const engine = { backend: 'cpu', version: '4.22.0', reason: 'tfjs-node did not load', threads: 1, kernels: [] } as const;

test('doctor checklist: every optional piece once, ✗ with the fix for what is missing, ✓ without one', () => {
  const results = runChecks({ engine: { ...engine, kernels: [] }, datasets: [] });
  assert.deepEqual(results.map((r) => r.check), Object.keys(CHECKS));
  const native = results.find((r) => r.check === 'native engine');
  assert.equal(native?.ok, false);
  assert.equal(native?.fix, 'ranas setup native');
  const cache = results.find((r) => r.check === 'CIFAR-10 cache');
  assert.equal(cache?.ok, false);
  assert.equal(cache?.fix, 'ranas data fetch cifar10');
  for (const r of results) assert.equal(r.fix === '', r.ok, `${r.check}: a fix exactly when missing`);
  const text = formatChecklist(results);
  assert.match(text, /^✗ native engine +cpu 4\.22\.0: tfjs-node did not load\n +needed for .*; fix: ranas setup native$/m);
  assert.equal(text.split('\n').filter((l) => /^[✓✗] /.test(l)).length, results.length);
});
