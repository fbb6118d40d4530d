import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRanasError } from '../src/errors.ts';
import { analyzeGraph, withExitMacs } from '../src/ir/analysis.ts';
import { buildPreset } from '../src/model/presets.ts';
import { syntheticDataset } from '../src/data/synthetic.ts';
import { parseBundleManifest } from '../src/bundle-format/parse-manifest.ts';
import { manifestFiles } from '../src/bundle-format/manifest.ts';
import { foldBatchNorm } from './passes/fold-batch-norm.ts';
import { fuseRelu } from './passes/fuse-relu.ts';
import { validateGraph } from './../src/ir/validate.ts';
import { fixtureGraph } from './onnx/fixture-graph.ts';
import { cutSegments } from './segments.ts';
import { splitHeads } from './split-heads.ts';
import { exportModel } from './export.ts';
import { partsMatchMonolithic } from './bundle/check-parts.ts';
import { OPEN_MODEL } from './bundle/model-runtimes.ts';
import { writeOnnx } from './onnx/write-onnx.ts';

test('the fixture splits into stem | its head, and the rest | the last head', () => {
  const g = fixtureGraph();
  const split = splitHeads(g, cutSegments(g));
  assert.deepEqual(split[0].trunk, { nodes: ['stem'], inputs: ['image'], outputs: ['stem'] });
  assert.deepEqual(split[0].head, { nodes: ['exit0/gap', 'exit0/logits'], inputs: ['stem'], outputs: ['exit0/logits'] });
  assert.deepEqual(split[1].trunk.inputs, ['stem']);
  assert.deepEqual(split[1].trunk.outputs, ['b2/pool']);
  assert.deepEqual(split[1].head, { nodes: ['exit1/gap', 'exit1/logits'], inputs: ['b2/pool'], outputs: ['exit1/logits'] });
});

test('an untagged head is refused naming the segment', () => {
  const g = fixtureGraph();
  g.nodes = g.nodes.map(({ tags: _tags, ...n }) => n);
  assert.throws(() => splitHeads(g, cutSegments(g)), (e) => isRanasError(e, 'E_SEGMENT_HEAD') && /segment 0/.test(e.message));
});

for (const preset of ['tiny', 'msdnet-cifar10']) {
  test(`${preset}: trunks 0..k + head k cost exactly the exit's own path (analysis pathMacs); trunks read no head`, () => {
    const g = withExitMacs(fuseRelu(foldBatchNorm(buildPreset(preset))));
    validateGraph(g);
    const segments = cutSegments(g);
    const split = splitHeads(g, segments);
    const cost = analyzeGraph(g);
    const macs = new Map(cost.nodes.map((n) => [n.name, n.macs]));
    const sum = (nodes: string[]) => nodes.reduce((s, n) => s + (macs.get(n) ?? 0), 0);
    let trunk = 0;
    split.forEach((s, k) => {
      assert.deepEqual(new Set([...s.trunk.nodes, ...s.head.nodes]), new Set(segments[k].nodes), `segment ${k} = trunk ∪ head`);
      trunk += sum(s.trunk.nodes);
      assert.equal(trunk + sum(s.head.nodes), cost.exits[k].pathMacs, `exit ${k}`);
      const heads = new Set(split.flatMap((p) => p.head.nodes));
      assert.ok(s.trunk.inputs.every((t) => !heads.has(t)));
    });
  });
}

test('--split-heads: every bundle holds trunk and head files that reproduce each exit of the monolithic model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-split-'));
  try {
    const data = {
      train: syntheticDataset({ count: 40, classes: 5, height: 9, width: 9, channels: 3, seed: 1 }),
      test: syntheticDataset({ count: 8, classes: 5, height: 9, width: 9, channels: 3, seed: 2 }),
      name: 'synthetic', source: 'synthetic test data',
    };
    const report = await exportModel(fixtureGraph(), { outDir: dir, formats: ['tflite', 'onnx'], int8: true, calibImages: 32, target: 'generic', floatIo: false, evalImages: 8, data, splitHeads: true });
    assert.equal(report.bundles.length, 4);
    for (const b of report.bundles) {
      assert.deepEqual(b.partsMatch, [true, true], `${b.name}: trunk + head = monolithic at each exit`);
      const manifest = parseBundleManifest(JSON.parse(readFileSync(join(b.dir, 'manifest.json'), 'utf8')));
      assert.equal(manifest.split?.length, 2);
      assert.deepEqual(manifest.split?.map((s) => s.head.outputs[0].name), ['exit0/logits', 'exit1/logits']);
      assert.equal(manifestFiles(manifest).length, 2 + 1 + 4);
      // The stem leaves trunk 0 with the quantisation trunk 1 and head 0 read it with.
      assert.deepEqual(manifest.split?.[0].trunk.outputs[0], manifest.split?.[1].trunk.inputs[0]);
      assert.deepEqual(manifest.split?.[0].trunk.outputs[0], manifest.split?.[0].head.inputs[0]);
    }
    assert.ok(report.heads && report.heads.headMacs.every((m) => m > 0));
    assert.ok(report.heads.plannedOverAnytime[0] === 1 && report.heads.plannedOverAnytime[1] < 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the parts check fails when the parts are not the monolithic model\'s', async () => {
  const g = fixtureGraph();
  const other = fixtureGraph({ seed: 8 });
  const shapes = validateGraph(g);
  const split = splitHeads(g, cutSegments(g));
  const bytes = split.map((s) => ({ trunk: writeOnnx(g, s.trunk, shapes, {}), head: writeOnnx(other, s.head, shapes, {}) }));
  const mono = await OPEN_MODEL.onnx(writeOnnx(g, { nodes: g.nodes.map((n) => n.name), inputs: ['image'], outputs: ['exit0/logits', 'exit1/logits'] }, shapes, {}), shapes);
  try {
    const image = Float32Array.from({ length: 9 * 9 * 3 }, (_, i) => Math.sin(i));
    assert.deepEqual(await partsMatchMonolithic(mono, split, bytes, 'onnx', shapes, 'image', [image]), [false, false]);
    const own = split.map((s) => ({ trunk: writeOnnx(g, s.trunk, shapes, {}), head: writeOnnx(g, s.head, shapes, {}) }));
    assert.deepEqual(await partsMatchMonolithic(mono, split, own, 'onnx', shapes, 'image', [image]), [true, true]);
  } finally {
    await mono.release();
  }
});
