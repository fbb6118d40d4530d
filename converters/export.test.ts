import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRanasError } from '../src/errors.ts';
import type { ModelGraph } from '../src/ir/types.ts';
import { syntheticDataset } from '../src/data/synthetic.ts';
import { exportModel, type ExportOptions } from './export.ts';
import { fixtureGraph } from './onnx/fixture-graph.ts';
import { readBundle } from './bundle/manifest-check.ts';
import { parseBundleManifest } from '../src/bundle-format/parse-manifest.ts';

const data = {
  train: syntheticDataset({ count: 40, classes: 5, height: 9, width: 9, channels: 3, seed: 1 }),
  test: syntheticDataset({ count: 12, classes: 5, height: 9, width: 9, channels: 3, seed: 2 }),
  name: 'synthetic',
  source: 'synthetic test data',
};

function options(outDir: string, over: Partial<ExportOptions> = {}): ExportOptions {
  return { outDir, formats: ['tflite', 'onnx'], int8: true, calibImages: 32, target: 'generic', floatIo: false, evalImages: 12, data, ...over };
}

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-export-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('export writes fp32 and int8 bundles per format; chained segments match the monolithic model; report on disk', async () => {
  await withTempDir(async (dir) => {
    const graph = fixtureGraph();
    const report = await exportModel(graph, options(dir));
    assert.deepEqual(report.bundles.map((b) => b.name), ['tflite-fp32', 'tflite-int8', 'onnx-fp32', 'onnx-int8']);
    for (const b of report.bundles) {
      assert.equal(b.chainMatches, true, `${b.name}: chained segments equal the monolithic logits`);
      assert.equal(b.exitAccuracy.length, 2);
      for (const a of b.exitAccuracy) assert.ok(a !== null && a >= 0 && a <= 1);
      const { manifest, files } = readBundle(b.dir);
      // The device agent's own parser accepts the manifest as written.
      assert.deepEqual(parseBundleManifest(JSON.parse(readFileSync(join(b.dir, 'manifest.json'), 'utf8'))), manifest);
      assert.equal(manifest.runtime, b.runtime);
      assert.equal(manifest.precision, b.precision);
      assert.equal(manifest.segments.length, 2);
      assert.equal(files.size, 3);
      assert.deepEqual(manifest.segments.map((s) => s.exit.cumulativeMacs), [1000, 3000]);
      assert.deepEqual(manifest.segments.map((s) => s.exit.logits), ['exit0/logits', 'exit1/logits']);
      const layout = b.runtime === 'onnx' ? 'NCHW' : 'NHWC';
      assert.equal(manifest.input.layout, layout);
      assert.deepEqual(manifest.input.shape, b.runtime === 'onnx' ? [1, 3, 9, 9] : [1, 9, 9, 3]);
      assert.equal(manifest.input.dtype, b.precision === 'int8' ? 'int8' : 'float32');
      const seg0In = manifest.segments[0].inputs[0];
      if (b.precision === 'int8') assert.ok(typeof seg0In.scale === 'number' && seg0In.scale > 0);
      // A tensor crossing the cut has the same quantisation on both sides.
      const handed = manifest.segments[0].outputs.find((t) => t.name === manifest.segments[1].inputs[0].name);
      assert.deepEqual(handed, manifest.segments[1].inputs[0]);
      assert.equal(manifest.segments[0].exit.accuracy, b.exitAccuracy[0]);
    }
    const onDisk: unknown = JSON.parse(readFileSync(join(dir, 'export-report.json'), 'utf8'));
    assert.ok(typeof onDisk === 'object' && onDisk !== null && 'bundles' in onDisk);
    const size = (name: string) => report.bundles.find((b) => b.name === name)?.totalBytes ?? 0;
    assert.ok(size('onnx-int8') < size('onnx-fp32'), `onnx int8 ${size('onnx-int8')} < fp32 ${size('onnx-fp32')}`);
  });
});

test('too few calibration images is a clear error', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(exportModel(fixtureGraph(), options(dir, { calibImages: 41 })), (e) => isRanasError(e, 'E_CALIB_TOO_FEW') && /41/.test(e.message) && /40/.test(e.message));
  });
});

test('NaN during calibration names the tensor', async () => {
  await withTempDir(async (dir) => {
    const graph = fixtureGraph();
    graph.weights['b1/pw/bias'].data[0] = Number.NaN;
    await assert.rejects(exportModel(graph, options(dir, { formats: ['onnx'] })), (e) => isRanasError(e, 'E_CALIB_NONFINITE') && /b1\/pw/.test(e.message));
  });
});

test('an op with no lowering is refused naming the node and the op', async () => {
  await withTempDir(async (dir) => {
    const g = fixtureGraph();
    const mix = { name: 'b1/mix', op: 'mixedOp' as const, inputs: ['b1/cat'], attrs: { alpha: 'alpha', row: 0, primitives: ['skip_connect'] }, weights: {} };
    const graph: ModelGraph = {
      ...g,
      weights: { ...g.weights, alpha: { shape: [1, 1], data: Float32Array.of(0.3), trainable: true } },
      nodes: g.nodes.flatMap((n) => (n.name === 'b1/cat' ? [n, mix] : n.name === 'b2/conv' ? [{ ...n, inputs: ['b1/mix'] }] : [n])),
    };
    const err = (e: unknown) => isRanasError(e) && /b1\/mix/.test(e.message) && /mixedOp/.test(e.message);
    await assert.rejects(exportModel(graph, options(dir, { int8: false, formats: ['onnx'], evalImages: 0 })), err);
  });
});

test('--target edgetpu lists every violation with its node and writes nothing', async () => {
  await withTempDir(async (dir) => {
    const g = fixtureGraph();
    const graph: ModelGraph = {
      ...g,
      nodes: g.nodes.map((n) => (n.name === 'b1/dw' && n.op === 'depthwiseConv2d' ? { ...n, attrs: { ...n.attrs, dilation: [1, 2] } } : n)),
    };
    await assert.rejects(exportModel(graph, options(dir, { target: 'edgetpu', formats: ['tflite'] })), (e) => isRanasError(e, 'E_EDGETPU_LINT') && /b1\/dw/.test(e.message) && /equal-dilation/.test(e.message));
    await assert.rejects(exportModel(g, options(dir, { target: 'edgetpu', int8: false })), (e) => isRanasError(e, 'E_EXPORT_OPTIONS'));
  });
});

test('--float-io int8 bundles take and give float32 and still chain', async () => {
  await withTempDir(async (dir) => {
    const report = await exportModel(fixtureGraph(), options(dir, { floatIo: true }));
    for (const b of report.bundles.filter((x) => x.precision === 'int8')) {
      assert.equal(b.chainMatches, true, b.name);
      const { manifest } = readBundle(b.dir);
      assert.equal(manifest.input.dtype, 'float32');
      assert.equal(manifest.input.scale, undefined);
      assert.ok(manifest.segments.every((s) => [...s.inputs, ...s.outputs].every((t) => t.dtype === 'float32')));
    }
  });
});
