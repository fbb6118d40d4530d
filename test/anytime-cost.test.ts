// Point 1 of issue 14: the cost ranas reports for exit k is what the device pays answering there — the MACs
// of the exported bundle's segments 0..k, counted from the segment .tflite files themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModel } from '../converters/export.ts';
import { readBundle } from '../converters/bundle/manifest-check.ts';
import { tfliteMacs } from '../converters/tflite/count-macs.ts';
import { initEngine } from '../src/engine/backend.ts';
import { syntheticDataset } from '../src/data/synthetic.ts';
import { evaluateModel } from '../src/eval/evaluate-model.ts';
import { createProgram } from '../src/exec/program.ts';
import { analyzeGraph, exitMacs } from '../src/ir/analysis.ts';
import { PRESET_NAMES, buildPreset } from '../src/model/presets.ts';

/** Exports `name` (fp32 TFLite, no data) and returns per exit the MACs of segments 0..k read from the files. */
async function segmentSums(name: string, dir: string): Promise<{ fromFiles: number[]; manifest: number[] }> {
  const report = await exportModel(buildPreset(name), { outDir: dir, formats: ['tflite'], int8: false, calibImages: 1, target: 'generic', floatIo: false, evalImages: 0 });
  const { manifest } = readBundle(report.bundles[0].dir);
  let running = 0;
  const fromFiles = manifest.segments.map((s) => (running += tfliteMacs(new Uint8Array(readFileSync(join(report.bundles[0].dir, s.file))))));
  return { fromFiles, manifest: manifest.segments.map((s) => s.exit.cumulativeMacs) };
}

test('for every preset, the cost of exit k equals the MACs of the exported segments 0..k (trunk + every head up to k)', async () => {
  for (const name of PRESET_NAMES) {
    const dir = mkdtempSync(join(tmpdir(), 'ranas-cost-'));
    try {
      const { fromFiles, manifest } = await segmentSums(name, dir);
      const graph = buildPreset(name);
      assert.deepEqual(exitMacs(graph), fromFiles, `${name}: eval cost vs segment files`);
      assert.deepEqual(manifest, fromFiles, `${name}: manifest cumulativeMacs vs segment files`);
      assert.deepEqual(graph.exits.map((e) => e.cumulativeMacs), fromFiles, `${name}: IR exit costs`);
      // For multi-exit networks the path cost (own head only) leaves out the earlier heads.
      const cost = analyzeGraph(graph);
      if (cost.exits.length > 1) assert.ok(cost.exits.at(-1)!.pathMacs < fromFiles.at(-1)!, name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('ranas eval reports per-exit MMACs equal to the segment sums', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'ranas-cost-eval-'));
  try {
    const { fromFiles } = await segmentSums('tiny', dir);
    const program = createProgram(buildPreset('tiny'));
    try {
      const test = syntheticDataset({ count: 8, classes: 10, height: 32, width: 32, channels: 3, seed: 1 });
      const e = await evaluateModel(program, test, { model: 'tiny', source: 'synthetic', batchSize: 8 });
      assert.deepEqual(e.exits.map((x) => Math.round(x.mmacs * 1e6)), fromFiles);
      assert.deepEqual(e.anytime.map((p) => Math.round(p.mmacs * 1e6)), fromFiles);
    } finally {
      program.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
