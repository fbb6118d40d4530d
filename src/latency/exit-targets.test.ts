import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../errors.ts';
import type { LatencyTable } from '../bundle-format/latency-table.ts';
import { getPreset } from '../model/presets.ts';
import { PRIMITIVE_NAMES, type PrimitiveName } from '../ops/primitives.ts';
import { alphaRows } from '../search/derive-genotype.ts';
import { buildOpModels } from './op-models.ts';
import { indexTable } from './predict-segments.ts';
import { exitLatencyModel, expectedExitGradient, expectedExitUs, type AlphaFlat } from './expected-latency.ts';
import { ExitLatencyConstraint } from './exit-targets.ts';
import { exitTargetsUs, parseExitTargetsMs } from './parse-targets.ts';

const preset = getPreset('tiny');
if (preset.kind !== 'ms-ranas') throw new Error('tiny is an MS-RANAS preset');
const config = preset.config;

// A synthetic table: the bare call 10 µs, probes free, an edge 10 µs + 20 µs × (its primitive's column) +
// (its key's length) µs, so a later primitive costs more at every shape; every other op model 10 µs + its key's length.
const models = buildOpModels(config, 'onnx');
const table: LatencyTable = {
  format: 'ranas-latency-table', version: 1, device: 'test', runtime: 'onnx', precision: 'int8', threads: 1,
  createdAt: 'now', updatedAt: 'now', warmups: 0, runs: 1, config: { name: 'tiny', hash: 'h', opModels: models.length },
  entries: models.map((m) => {
    const column = PRIMITIVE_NAMES.findIndex((p) => m.key.startsWith(`edge:${p}|`));
    const us = m.part === 'probe' || m.part === 'invoke' ? 10 : 10 + m.key.length + 20 * Math.max(0, column);
    return { key: m.key, part: m.part, p50Us: us, p99Us: us, runs: 1 };
  }),
};
const model = exitLatencyModel(config, indexTable(table));
const P = PRIMITIVE_NAMES.length;
const rows = alphaRows(config.nodes);

function alphasFavouring(op: PrimitiveName, strength = 20): AlphaFlat {
  const a = new Float64Array(rows * P);
  for (let r = 0; r < rows; r++) a[r * P + PRIMITIVE_NAMES.indexOf(op)] = strength;
  return { normal: a, reduce: Float64Array.from(a) };
}

test('expected exit latency: cumulative over exits, dearer with costly primitives, deaf to none', () => {
  const cheap = expectedExitUs(model, alphasFavouring('max_pool_3x3'));
  const dear = expectedExitUs(model, alphasFavouring('sep_conv_5x5'));
  for (let k = 1; k < cheap.length; k++) assert.ok(cheap[k] > cheap[k - 1] && dear[k] > dear[k - 1], 'cumulative');
  cheap.forEach((c, k) => assert.ok(dear[k] > c, `exit ${k + 1}: sep_conv_5x5 everywhere costs more than max_pool_3x3`));
  const uniform = expectedExitUs(model, { normal: new Float64Array(rows * P), reduce: new Float64Array(rows * P) });
  const noneHeavy = expectedExitUs(model, alphasFavouring('none', 50));
  noneHeavy.forEach((u, k) => assert.ok(Math.abs(u - uniform[k]) < 1e-9, 'a large none weight changes nothing: the derived genotype never holds none'));
});

test('the gradient of Σ coef_k E_k matches central differences', () => {
  const rng = (i: number) => Math.sin(i * 12.9898) * 0.7;
  const alphas: AlphaFlat = { normal: Float64Array.from({ length: rows * P }, (_, i) => rng(i)), reduce: Float64Array.from({ length: rows * P }, (_, i) => rng(i + 99)) };
  const coef = [0.5, 0, 2];
  const f = (a: AlphaFlat) => expectedExitUs(model, a).reduce((s, e, k) => s + coef[k] * e, 0);
  const g = expectedExitGradient(model, alphas, coef);
  const h = 1e-5;
  for (const kind of ['normal', 'reduce'] as const) {
    for (const i of [0, 5, 9, 17, 30, rows * P - 1]) {
      const plus = { ...alphas, [kind]: Float64Array.from(alphas[kind], (x, j) => (j === i ? x + h : x)) };
      const minus = { ...alphas, [kind]: Float64Array.from(alphas[kind], (x, j) => (j === i ? x - h : x)) };
      const numeric = (f(plus) - f(minus)) / (2 * h);
      assert.ok(Math.abs(numeric - g[kind][i]) < 1e-4 * Math.max(1, Math.abs(numeric)), `${kind}[${i}]: analytic ${g[kind][i]}, numeric ${numeric}`);
    }
  }
});

test('dual ascent: λ grows while an exit is over its target, stays 0 under it; its gradient steers towards cheaper ops', () => {
  const alphas = { normal: new Float64Array(rows * P), reduce: new Float64Array(rows * P) };
  const e = expectedExitUs(model, alphas);
  const c = new ExitLatencyConstraint(model, [null, e[1] * 2, e[2] * 0.5], 0.5, 1);
  const s1 = c.step(alphas);
  assert.deepEqual(s1.lambdas.slice(0, 2), [0, 0], 'unconstrained and under-target exits keep λ = 0');
  assert.ok(Math.abs(s1.lambdas[2] - 0.5 * (e[2] / (e[2] * 0.5) - 1)) < 1e-12, 'λ_3 = η (E_3 / T_3 − 1)');
  const s2 = c.step(alphas);
  assert.ok(s2.lambdas[2] > s1.lambdas[2], 'still over: λ keeps growing');
  const dearest = PRIMITIVE_NAMES.indexOf('sep_conv_5x5');
  const cheapest = PRIMITIVE_NAMES.indexOf('max_pool_3x3');
  assert.ok(s2.grads.normal[dearest] > 0 && s2.grads.normal[cheapest] < 0, 'descending the gradient lowers the dear op, raises the cheap one');
});

test('targets: one per exit or one for the last; bad values are refused', () => {
  assert.deepEqual(exitTargetsUs(parseExitTargetsMs('0.2, 0.5,0.8'), 3), [200, 500, 800]);
  assert.deepEqual(exitTargetsUs(parseExitTargetsMs('1.5'), 3), [null, null, 1500]);
  for (const bad of ['', '0.2,,0.3', '-1', 'fast']) assert.throws(() => parseExitTargetsMs(bad), (e) => isRanasError(e) && e.code === 'E_LATENCY_TARGETS', bad);
  assert.throws(() => exitTargetsUs([1, 2], 3), (e) => isRanasError(e) && e.code === 'E_LATENCY_TARGETS' && e.message.includes('3 exits'));
});
