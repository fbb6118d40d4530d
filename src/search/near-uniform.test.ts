import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alphaUniformity, uniformityWarning } from './near-uniform.ts';

test('alphas near uniform (entropy ≥ 99 % of ln 8) warn; peaked alphas do not', () => {
  const flat = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0, 0, 0, 0]);
  const slightly = Array.from({ length: 5 }, () => [0.05, -0.05, 0.02, 0, 0.01, -0.02, 0.03, 0]);
  const peaked = Array.from({ length: 5 }, () => [0, 0, 0, 0, 3, 0, 0, 0]);
  const a = alphaUniformity({ normal: flat, reduce: peaked });
  assert.ok(Math.abs(a.normal - Math.log(8)) < 1e-12);
  assert.deepEqual(a.nearUniform, ['normal']);
  assert.match(uniformityWarning(a) ?? '', /normal alphas are still near uniform .*100\.00 % of ln 8/);
  assert.deepEqual(alphaUniformity({ normal: slightly, reduce: slightly }).nearUniform, ['normal', 'reduce']);
  const p = alphaUniformity({ normal: peaked, reduce: peaked });
  // softmax with one logit at 3: entropy ≈ 1.27 nats ≈ 61 % of ln 8.
  assert.ok(p.normal < 0.7 * Math.log(8));
  assert.equal(uniformityWarning(p), null);
});
