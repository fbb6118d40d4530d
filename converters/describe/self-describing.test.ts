// Exported files describe themselves: TFLite Metadata (standard TFLITE_METADATA buffer, labels.txt packed as
// an associated file) and ONNX metadata_props carry the labels, the normalisation and each output's exit.
// Read back with our own reader and, when a Python with TensorFlow and onnxruntime is at hand
// (RANAS_TF_PYTHON, default python3), with an independent one (read_model_metadata.py).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTinyBundles } from '../../device/testing/tiny-bundles.ts';
import { onnx } from '../onnx/onnx-proto.ts';
import { readTfliteMetadata, tfliteMetadataBuffer, TFLITE_METADATA_NAME } from './tflite-metadata.ts';
import { readStoredZip } from './zip-store.ts';

let dir = '';
interface Manifest { model: { classNames: string[] }; input: { mean: number[]; std: number[]; shape: number[] }; segments: { file: string; outputs: { name: string }[] }[]; monolithic: { file: string } }
const manifestOf = (bundle: string): Manifest => JSON.parse(fs.readFileSync(path.join(dir, bundle, 'manifest.json'), 'utf8')) as Manifest;
const python = process.env.RANAS_TF_PYTHON ?? 'python3';
const reader = new URL('./read_model_metadata.py', import.meta.url).pathname;
const hasPython = spawnSync(python, ['-c', 'import tensorflow, onnxruntime, flatbuffers'], { stdio: 'ignore' }).status === 0;
const near = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) < 1e-4);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-describe-'));
  await makeTinyBundles(dir);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('TFLite: TFLITE_METADATA with labels, normalisation and per-exit outputs (own reader)', () => {
  for (const bundle of ['tflite-fp32', 'tflite-int8']) {
    const m = manifestOf(bundle);
    const whole = fs.readFileSync(path.join(dir, bundle, m.monolithic.file));
    const buf = tfliteMetadataBuffer(whole);
    assert.ok(buf, `${bundle}: a ${TFLITE_METADATA_NAME} entry`);
    const meta = readTfliteMetadata(buf);
    assert.equal(meta.minParserVersion, '1.0.0');
    assert.equal(meta.inputs[0].name, 'image');
    assert.deepEqual(meta.inputs[0].image, { height: m.input.shape[1], width: m.input.shape[2] });
    assert.ok(near(meta.inputs[0].mean ?? [], m.input.mean.map((x) => x * 255)), `mean on the 0..255 scale: ${meta.inputs[0].mean}`);
    assert.ok(near(meta.inputs[0].std ?? [], m.input.std.map((x) => x * 255)));
    assert.deepEqual(meta.outputs.map((o) => o.name), m.segments.map((_, k) => `exit${k + 1}_logits`));
    assert.ok(meta.outputs.every((o) => o.labelsFile === 'labels.txt'));
    assert.deepEqual(new TextDecoder().decode(readStoredZip(whole).get('labels.txt')).trim().split('\n'), m.model.classNames);
    // A middle segment: its carried features are described as such, its exit as an exit.
    const seg0 = readTfliteMetadata(tfliteMetadataBuffer(fs.readFileSync(path.join(dir, bundle, m.segments[0].file))) ?? new Uint8Array());
    assert.equal(seg0.outputs.filter((o) => o.name === 'exit1_logits').length, 1);
    assert.ok(seg0.outputs.length === 1 || seg0.outputs.some((o) => /features carried/.test(o.description)));
    const seg1 = readTfliteMetadata(tfliteMetadataBuffer(fs.readFileSync(path.join(dir, bundle, m.segments[1].file))) ?? new Uint8Array());
    assert.match(seg1.inputs[0].description, /features from the previous exit segment/);
  }
});

test('ONNX: metadata_props with the same labels, normalisation and outputs (own reader)', () => {
  for (const bundle of ['onnx-fp32', 'onnx-int8']) {
    const m = manifestOf(bundle);
    const model = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, bundle, m.monolithic.file)));
    const props = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
    assert.deepEqual(props.get('labels')?.trim().split('\n'), m.model.classNames);
    const norm = JSON.parse(props.get('normalization') ?? '{}') as { mean: number[]; std: number[] };
    assert.ok(near(norm.mean, m.input.mean) && near(norm.std, m.input.std));
    const outputs = JSON.parse(props.get('outputs') ?? '[]') as { name: string; exit?: number }[];
    assert.deepEqual(outputs.map((o) => o.exit), m.segments.map((_, k) => k + 1));
    assert.equal(props.get('layout'), 'NCHW');
  }
});

test('independent readers: TensorFlow schema + flatbuffers + zipfile + tf.lite.Interpreter; onnxruntime metadata', { skip: hasPython ? false : `no ${python} with tensorflow, onnxruntime and flatbuffers (set RANAS_TF_PYTHON)` }, () => {
  const m = manifestOf('tflite-int8');
  const r = spawnSync(python, [reader, path.join(dir, 'tflite-int8', m.monolithic.file)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const t = JSON.parse(r.stdout) as { metadataEntries: string[]; minParserVersion: string; inputs: { image: { width: number; height: number; colorSpace: number }; mean: number[]; std: number[] }[]; outputs: { name: string; files: { name: string; type: number }[] }[]; labels: string[]; interpreterOutputs: number };
  assert.ok(t.metadataEntries.includes('TFLITE_METADATA'));
  assert.equal(t.minParserVersion, '1.0.0');
  assert.deepEqual(t.inputs[0].image, { width: m.input.shape[2], height: m.input.shape[1], colorSpace: 1 });
  assert.ok(near(t.inputs[0].mean, m.input.mean.map((x) => x * 255)) && near(t.inputs[0].std, m.input.std.map((x) => x * 255)));
  assert.deepEqual(t.outputs.map((o) => o.files), m.segments.map(() => [{ name: 'labels.txt', type: 2 }]), 'TENSOR_AXIS_LABELS on every exit');
  assert.deepEqual(t.labels, m.model.classNames);
  assert.equal(t.interpreterOutputs, m.segments.length, 'the model still runs in TensorFlow Lite with the zip appended');

  const o = manifestOf('onnx-int8');
  const r2 = spawnSync(python, [reader, path.join(dir, 'onnx-int8', o.monolithic.file)], { encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  const props = (JSON.parse(r2.stdout) as { metadataProps: Record<string, string> }).metadataProps;
  assert.deepEqual(props.labels.trim().split('\n'), o.model.classNames);
  assert.ok(near((JSON.parse(props.pixel_normalization) as { mean: number[] }).mean, o.input.mean.map((x) => x * 255)));
});
