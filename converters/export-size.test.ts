import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPreset } from '../src/model/presets.ts';
import { syntheticDataset } from '../src/data/synthetic.ts';
import { exportModel } from './export.ts';

test('paper-cifar MS-RANAS: the int8 ONNX bundle is at most 0.3x the fp32 bundle', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-export-size-'));
  try {
    const graph = buildPreset('paper-cifar');
    const [h, w, c] = graph.inputs[0].shape;
    const data = {
      train: syntheticDataset({ count: 4, classes: 10, height: h, width: w, channels: c, seed: 1 }),
      test: syntheticDataset({ count: 1, classes: 10, height: h, width: w, channels: c, seed: 2 }),
      name: 'synthetic',
      source: 'synthetic',
    };
    const report = await exportModel(graph, { outDir: dir, formats: ['onnx'], int8: true, calibImages: 4, target: 'generic', floatIo: false, evalImages: 0, data });
    const size = (name: string) => report.bundles.find((b) => b.name === name)?.totalBytes ?? Number.NaN;
    const ratio = size('onnx-int8') / size('onnx-fp32');
    assert.ok(ratio <= 0.3, `int8/fp32 = ${ratio}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
