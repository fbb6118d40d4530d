/**
 * Issue 23: every int8 segment of the MS-RANAS presets is made only of ops XNNPACK's delegate takes in int8
 * (standalone ReLU and the exit means are unit depthwise convolutions), so the delegate takes each segment in
 * one partition. The op set is checked on every run; the partition count is read from TensorFlow's own
 * interpreter (bench/tflite-partitions.py) when a Python with TensorFlow is given (RANAS_TF_PYTHON).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPreset } from '../../src/model/presets.ts';
import { packagePath } from '../../src/package-root.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { inferShapes } from '../reference/shapes.ts';
import { cutSegments } from '../segments.ts';
import { readTflite } from './read-tflite.ts';
import { seededUniform } from './testing/tiny-graphs.ts';
import { writeTflite } from './write-tflite.ts';
import { XNNPACK_INT8_OPS } from './xnnpack-ops.ts';

const python = process.env.RANAS_TF_PYTHON ?? 'python3';
const hasTf = spawnSync(python, ['-c', 'import tensorflow'], { stdio: 'ignore' }).status === 0;

/** The int8 segment files of a preset (default genotype), calibrated on random images. */
function int8Segments(preset: 'tiny' | 'small'): Uint8Array[] {
  const graph = fuseRelu(foldBatchNorm(buildPreset(preset)));
  const rand = seededUniform(5);
  const size = graph.inputs[0].shape.reduce((a, b) => a * b, 1);
  const q = quantizeGraph(graph, calibrate(graph, Array.from({ length: 4 }, () => Float32Array.from({ length: size }, () => rand())), { method: 'minmax', minImages: 4 }));
  const shapes = inferShapes(graph);
  return cutSegments(graph).map((s) => writeTflite(graph, s, shapes, { quant: q }));
}

for (const preset of ['tiny', 'small'] as const) {
  describe(`int8 TFLite segments of the ${preset} preset`, () => {
    let files: Uint8Array[] = [];
    before(() => { files = int8Segments(preset); });

    it('use only ops XNNPACK takes in int8 (no standalone RELU, no AVERAGE_POOL_2D)', () => {
      for (const [k, bytes] of files.entries()) {
        const ops = new Set(readTflite(bytes).operators.map((o) => String(o.op)));
        const outside = [...ops].filter((op) => !XNNPACK_INT8_OPS.has(op));
        assert.deepEqual(outside, [], `segment ${k}: ${outside.join(', ')} would stay on builtin kernels`);
      }
    });

    it('are each one XNNPACK partition in TensorFlow\'s interpreter', { skip: hasTf ? false : `no ${python} with tensorflow (set RANAS_TF_PYTHON)` }, () => {
      const dir = mkdtempSync(join(tmpdir(), 'ranas-xnnpack-'));
      try {
        const paths = files.map((b, k) => {
          const p = join(dir, `segment-${k}.tflite`);
          writeFileSync(p, b);
          return p;
        });
        const r = spawnSync(python, [packagePath('bench', 'tflite-partitions.py'), ...paths], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
        assert.equal(r.status, 0, r.stderr);
        const counts = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => Number(JSON.parse(l).partitions));
        assert.deepEqual(counts, files.map(() => 1));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
