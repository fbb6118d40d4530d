import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFakeBundle } from '../device/testing/fake-bundle.ts';
import { isRanasError } from './errors.ts';
import { pretrainedNames, readPretrained, resolveModelRef, type PretrainedInfo } from './pretrained-models.ts';

function info(): PretrainedInfo {
  return {
    name: 'net', label: 'a net', dataset: 'cifar10', params: 1000, testImages: 10000, bundles: ['onnx-int8'],
    exits: [{ exit: 1, anytimeMacs: 1e6, valTop1: 0.5, fp32Top1: 0.51, int8OnnxTop1: 0.5, int8TfliteTop1: null, p50Us: 100, p99Us: null }],
    source: { study: 'full', network: 'ms-ranas-searched', commit: 'abc', genotypeHash: null, epochs: 15, trainImages: 45000, selection: 'validation' },
    createdAt: '2026-12-06T00:00:00.000Z',
  };
}

test('shipped networks are found by name, read back, and bad ones refused naming the field', () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-pretrained-'));
  try {
    assert.deepEqual(pretrainedNames(join(root, 'absent')), []);
    const dir = join(root, 'net');
    mkdirSync(dir);
    writeFakeBundle(join(dir, 'onnx-int8'));
    writeFileSync(join(dir, 'pretrained.json'), JSON.stringify(info()));
    mkdirSync(join(root, 'not-a-model'));
    assert.deepEqual(pretrainedNames(root), ['net']);
    assert.equal(resolveModelRef('pretrained:net', root), dir);
    assert.equal(resolveModelRef('runs/x/export', root), 'runs/x/export', 'a path stays a path');
    assert.throws(() => resolveModelRef('pretrained:other', root), (e) => isRanasError(e, 'E_NO_PRETRAINED') && /no shipped network named 'other'.*there are: net/.test(e.message));
    assert.deepEqual(readPretrained(dir), info());

    const bad = (edit: (v: Record<string, unknown>) => void, field: RegExp) => {
      const v: Record<string, unknown> = JSON.parse(JSON.stringify(info()));
      edit(v);
      writeFileSync(join(dir, 'pretrained.json'), JSON.stringify(v));
      assert.throws(() => readPretrained(dir), (e) => isRanasError(e, 'E_NO_PRETRAINED') && field.test(e.message));
    };
    bad((v) => { v.exits = []; }, /exits is not a non-empty list/);
    bad((v) => { v.bundles = ['tflite-int8']; }, /bundles is \["tflite-int8"\]; expected bundle folders/);
    bad((v) => { Reflect.set(v, 'params', 'many'); }, /params is "many"; expected a number/);
    bad((v) => { v.exits = [{ ...info().exits[0], p50Us: 'fast' }]; }, /exits\[0\]\.p50Us is "fast"/);
    writeFileSync(join(dir, 'pretrained.json'), '{ torn');
    assert.throws(() => readPretrained(dir), (e) => isRanasError(e, 'E_NO_PRETRAINED') && /not readable JSON/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
