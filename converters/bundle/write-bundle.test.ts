import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRanasError } from '../../src/errors.ts';
import { bundleTensors } from './bundle-tensors.ts';
import { readBundle } from './manifest-check.ts';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';
import { writeBundle, type BundleContents } from './write-bundle.ts';

const shapes = new Map([['image', [8, 8, 3]], ['s1', [4, 4, 6]], ['logits0', [10]], ['logits1', [10]]]);
const quant = { image: { scale: 0.02, zeroPoint: -3 }, s1: { scale: 0.1, zeroPoint: -128 }, logits0: { scale: 0.2, zeroPoint: 5 }, logits1: { scale: 0.3, zeroPoint: 1 } };

function contents(): BundleContents {
  return {
    model: { name: 'm', genotypeHash: 'abc', dataset: 'cifar10', classNames: ['a', 'b'] },
    runtime: 'onnx',
    precision: 'int8',
    input: { shape: [1, 3, 8, 8], layout: 'NCHW', dtype: 'int8', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], scale: 0.02, zeroPoint: -3 },
    producer: { name: 'ranas', version: '0.1.0', gitCommit: 'x' },
    segments: [
      { bytes: Uint8Array.of(1, 2, 3), inputs: bundleTensors(['image'], shapes, 'onnx', quant), outputs: bundleTensors(['s1', 'logits0'], shapes, 'onnx', quant), exit: { index: 0, cumulativeMacs: 100, confidenceThreshold: 0.9, logits: 'logits0' } },
      { bytes: Uint8Array.of(4, 5), inputs: bundleTensors(['s1'], shapes, 'onnx', quant), outputs: bundleTensors(['logits1'], shapes, 'onnx', quant), exit: { index: 1, cumulativeMacs: 300, confidenceThreshold: 1, logits: 'logits1' } },
    ],
    monolithic: { bytes: Uint8Array.of(9, 9, 9, 9), outputs: bundleTensors(['logits0', 'logits1'], shapes, 'onnx', quant) },
  };
}

test('bundle tensors: ONNX shapes are NCHW with batch, TFLite NHWC; int8 carries scale and zero point', () => {
  assert.deepEqual(bundleTensors(['s1'], shapes, 'onnx', quant)[0], { name: 's1', shape: [1, 6, 4, 4], dtype: 'int8', scale: 0.1, zeroPoint: -128 });
  assert.deepEqual(bundleTensors(['s1', 'logits0'], shapes, 'tflite').map((t) => [t.shape, t.dtype]), [[[1, 4, 4, 6], 'float32'], [[1, 10], 'float32']]);
  assert.throws(() => bundleTensors(['nope'], shapes, 'onnx'), (e) => isRanasError(e, 'E_BUNDLE_TENSOR') && /nope/.test(e.message));
});

test('writeBundle writes manifest + segment files + monolithic model with sha256s, replacing an old bundle atomically', () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-bundle-'));
  try {
    const dir = join(root, 'onnx-int8');
    writeBundle(dir, { ...contents(), monolithic: undefined });
    const manifest = writeBundle(dir, contents());
    assert.deepEqual(readdirSync(root), ['onnx-int8'], 'no temp or old folder left behind');
    assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', 'model.onnx', 'segment-0.onnx', 'segment-1.onnx']);
    assert.equal(manifest.segments[1].sha256, sha256Hex(Uint8Array.of(4, 5)));
    assert.equal(manifest.segments[0].sizeBytes, 3);
    assert.equal(manifest.monolithic?.file, 'model.onnx');
    const back = readBundle(dir);
    assert.deepEqual(back.manifest, JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    assert.deepEqual(back.files.get('segment-0.onnx'), Uint8Array.of(1, 2, 3));
    // A corrupted file is refused with its name.
    writeFileSync(join(dir, 'segment-1.onnx'), Uint8Array.of(4, 6));
    assert.throws(() => readBundle(dir), (e) => isRanasError(e, 'E_BUNDLE_CHECKSUM') && /segment-1\.onnx/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a segment whose exit index is out of order is refused', () => {
  const c = contents();
  c.segments[1].exit.index = 0;
  assert.throws(() => writeBundle(join(tmpdir(), 'never-written'), c), (e) => isRanasError(e, 'E_BUNDLE_EXIT'));
});
