import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError } from '../../src/errors.ts';
import { OPEN_MODEL } from '../../converters/bundle/model-runtimes.ts';
import { createAgent } from '../agent.ts';
import type { BundleManifest } from '../../src/bundle-format/manifest.ts';
import { parseBundleManifest } from '../../src/bundle-format/parse-manifest.ts';
import { softmaxOf } from '../scheduler/exit-answer.ts';
import { quantizeValue } from '../scheduler/preprocess.ts';
import { makeTinyBundles, TINY_SIZE } from '../testing/tiny-bundles.ts';
import { edgeTpuRuntime, findEdgeTpuLibrary } from './edgetpu.ts';
import { onnxRuntime } from './onnx-runtime.ts';
import { runSegment } from './runtime.ts';
import { tfliteRuntime } from './tflite-runtime.ts';

let dir = '';
const BUNDLES = ['tflite-int8', 'tflite-fp32', 'onnx-int8', 'onnx-fp32'] as const;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-rt-'));
  await makeTinyBundles(path.join(dir, 'export'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const manifestOf = (name: string): BundleManifest => parseBundleManifest(JSON.parse(fs.readFileSync(path.join(dir, 'export', name, 'manifest.json'), 'utf8')));

/** A deterministic raw image. */
const image = Uint8Array.from({ length: TINY_SIZE * TINY_SIZE * 3 }, (_, i) => (i * 37 + 11) & 255);

/** The image as the converters feed it to the monolithic model: float32 normalised NHWC, quantised when int8. */
function referenceInput(m: BundleManifest): Float32Array | Int8Array {
  const x = Float32Array.from(image, (p, i) => (p / 255 - m.input.mean[i % 3]) / m.input.std[i % 3]);
  const { scale, zeroPoint } = m.input;
  return scale !== undefined && zeroPoint !== undefined ? Int8Array.from(x, (v) => quantizeValue(v, scale, zeroPoint)) : x;
}

for (const name of BUNDLES) {
  test(`${name}: the agent's answer at every exit equals the monolithic model run in its runtime`, async () => {
    const m = manifestOf(name);
    const shapes = new Map<string, number[]>([['input', [TINY_SIZE, TINY_SIZE, 3]], ...m.segments.map((s) => [s.exit.logits, [5]] as [string, number[]])]);
    const inputName = m.segments[0].inputs[0].name;
    shapes.set(inputName, [TINY_SIZE, TINY_SIZE, 3]);
    const mono = await OPEN_MODEL[m.runtime](fs.readFileSync(path.join(dir, 'export', name, m.monolithic?.file ?? '')), shapes);
    const outputs = await mono.run(new Map([[inputName, referenceInput(m)]]));
    await mono.release();
    const agent = await createAgent({ bundleDir: path.join(dir, `store-${name}`), profile: { warmups: 1, runs: 5 }, deviceName: 'ci' });
    try {
      await agent.install(path.join(dir, 'export', name));
      // Budget 0 stops after exit 0; a huge budget runs to the last exit.
      for (const [budgetUs, k] of [[0, 0], [1e9, m.segments.length - 1]] as const) {
        const answer = await agent.infer({ input: Buffer.from(image), shape: [TINY_SIZE, TINY_SIZE, 3], dtype: 'uint8', budgetUs, policy: 'deadline', topK: 5 });
        assert.equal(answer.exitIndex, k);
        assert.equal(answer.segmentLatencyUs.length, k + 1);
        const logits = outputs.get(m.segments[k].exit.logits);
        assert.ok(logits && !(logits instanceof Int32Array));
        const tensor = m.monolithic?.outputs.find((t) => t.name === m.segments[k].exit.logits);
        assert.ok(tensor);
        const want = softmaxOf(logits, tensor);
        const tol = m.precision === 'int8' ? 1e-12 : 1e-5;
        for (const t of answer.topK) assert.ok(Math.abs(t.confidence - want[t.classIndex]) <= tol, `${name} exit ${k} class ${t.classIndex}: ${t.confidence} vs ${want[t.classIndex]}`);
        assert.equal(answer.topK.length, 5);
      }
    } finally {
      await agent.close();
    }
  });
}

test('int8 TFLite segments hand int8 tensors on unchanged: chained exit-1 logits equal the monolithic ones bit for bit', async () => {
  const m = manifestOf('tflite-int8');
  const rt = tfliteRuntime({ threads: 1 });
  const read = (f: string) => fs.readFileSync(path.join(dir, 'export', 'tflite-int8', f));
  const segs = await Promise.all(m.segments.map((s) => rt.load(read(s.file), s)));
  const input = referenceInput(m);
  const out0 = await runSegment(segs[0], [input]);
  const handed = m.segments[1].inputs.map((t) => out0[m.segments[0].outputs.findIndex((o) => o.name === t.name)]);
  assert.ok(handed.every((t) => t instanceof Int8Array), 'tensors crossing the cut are int8');
  const out1 = await runSegment(segs[1], handed);
  const monoFile = m.monolithic?.file ?? '';
  const mono = await rt.load(read(monoFile), { inputs: m.segments[0].inputs.slice(0, 1), outputs: m.monolithic?.outputs ?? [] });
  const monoOut = await runSegment(mono, [input]);
  const k1 = m.segments[1].outputs.findIndex((t) => t.name === m.segments[1].exit.logits);
  assert.deepEqual(Array.from(out1[k1]), Array.from(monoOut[m.monolithic?.outputs.findIndex((t) => t.name === m.segments[1].exit.logits) ?? -1]));
});

test('the runtime refuses a manifest that does not match the model', async () => {
  const m = manifestOf('tflite-int8');
  const bytes = fs.readFileSync(path.join(dir, 'export', 'tflite-int8', m.segments[0].file));
  await assert.rejects(tfliteRuntime().load(bytes, { inputs: [{ ...m.segments[0].inputs[0], name: 'nope' }], outputs: m.segments[0].outputs }), (e) => isRanasError(e, 'E_SEGMENT_TENSORS') && /'nope'/.test(e.message));
  const om = manifestOf('onnx-fp32');
  const obytes = fs.readFileSync(path.join(dir, 'export', 'onnx-fp32', om.segments[0].file));
  await assert.rejects(onnxRuntime().load(obytes, { inputs: [{ ...om.segments[0].inputs[0], name: 'nope' }], outputs: om.segments[0].outputs }), (e) => isRanasError(e, 'E_SEGMENT_TENSORS'));
  await assert.rejects(tfliteRuntime().load(new Uint8Array(64), m.segments[0]), (e) => isRanasError(e, 'E_TFLITE_RUNTIME'));
});

test('a model in a Buffer that views a larger shared ArrayBuffer loads (only its own bytes are passed)', async () => {
  const m = manifestOf('tflite-int8');
  const model = fs.readFileSync(path.join(dir, 'export', 'tflite-int8', m.segments[0].file));
  const pool = Buffer.alloc(model.length + 100, 0x5a);
  model.copy(pool, 37);
  const view = pool.subarray(37, 37 + model.length);
  const seg = await tfliteRuntime().load(view, m.segments[0]);
  assert.equal(seg.inputs.length, 1);
});

test('profile survives an agent restart; a bundle whose model the runtime refuses leaves the old one active', async () => {
  const store = path.join(dir, 'store-restart');
  const first = await createAgent({ bundleDir: store, profile: { warmups: 1, runs: 5 }, deviceName: 'pi-a' });
  await first.install(path.join(dir, 'export', 'tflite-int8'));
  const profiled = first.active()?.profile;
  await first.close();
  const second = await createAgent({ bundleDir: store, profile: { warmups: 1, runs: 5 }, deviceName: 'pi-a' });
  assert.deepEqual(second.active()?.profile, profiled);
  assert.equal((await second.stats()).profiles, 0, 'not re-profiled');
  // A bundle whose manifest and checksums are fine but whose model TFLite refuses.
  const broken = path.join(dir, 'broken');
  fs.cpSync(path.join(dir, 'export', 'tflite-int8'), broken, { recursive: true });
  const m = JSON.parse(fs.readFileSync(path.join(broken, 'manifest.json'), 'utf8'));
  const junk = Buffer.alloc(100, 7);
  fs.writeFileSync(path.join(broken, m.segments[1].file), junk);
  m.segments[1].sha256 = (await import('node:crypto')).createHash('sha256').update(junk).digest('hex');
  m.segments[1].sizeBytes = junk.length;
  m.model.name = 'broken';
  fs.writeFileSync(path.join(broken, 'manifest.json'), JSON.stringify(m));
  await assert.rejects(second.install(broken), (e) => isRanasError(e, 'E_TFLITE_RUNTIME'));
  assert.equal((await second.info()).activeBundle?.name, manifestOf('tflite-int8').model.name);
  const answer = await second.infer({ input: Buffer.from(image), shape: [TINY_SIZE, TINY_SIZE, 3], dtype: 'uint8', budgetUs: 1e9, policy: 'deadline', topK: 1 });
  assert.equal(answer.exitIndex, 1);
  await second.close();
  assert.equal((await second.stats()).installFailures, 1);
  const third = await createAgent({ bundleDir: store, deviceName: 'pi-a' });
  assert.equal((await third.info()).activeBundle?.name, manifestOf('tflite-int8').model.name, 'the store still points at the old bundle');
  await third.close();
});

test('Edge TPU: found on the library path when present, a typed error when absent (the delegate is never created here)', () => {
  const libDir = path.join(dir, 'lib');
  fs.mkdirSync(libDir, { recursive: true });
  assert.equal(findEdgeTpuLibrary({ ldLibraryPath: libDir, dirs: [], ldconfig: () => '' }), undefined);
  assert.throws(() => edgeTpuRuntime({ search: { ldLibraryPath: libDir, dirs: [], ldconfig: () => '' } }), (e) => isRanasError(e, 'E_EDGETPU_UNAVAILABLE') && /libedgetpu\.so\.1/.test(e.message));
  fs.writeFileSync(path.join(libDir, 'libedgetpu.so.1'), '');
  assert.equal(findEdgeTpuLibrary({ ldLibraryPath: libDir, dirs: [], ldconfig: () => '' }), path.join(libDir, 'libedgetpu.so.1'));
  const viaLdconfig = '\tlibedgetpu.so.1 (libc6,AArch64) => ' + path.join(libDir, 'libedgetpu.so.1');
  assert.equal(findEdgeTpuLibrary({ ldLibraryPath: '', dirs: [], ldconfig: () => viaLdconfig }), path.join(libDir, 'libedgetpu.so.1'));
  // Building the runtime only records the delegate; nothing is loaded until a segment is.
  assert.equal(edgeTpuRuntime({ search: { ldLibraryPath: libDir, dirs: [], ldconfig: () => '' } }).name, 'edgetpu');
});
