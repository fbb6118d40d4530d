/**
 * Independent check of written files by a second TFLite reader: Arm NN's TfLiteParser (Debian
 * `python3-pyarmnn`, run with /usr/bin/python3) parses the fp32 and int8 models and runs them on its CpuRef
 * backend. fp32 outputs match TFLite 2.9 within 1e-5 relative L2; int8 within 1 step (Arm NN rounds its
 * own way). Skipped when pyarmnn is not installed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrate } from '../quantize/calibrate.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { inferShapes } from '../reference/shapes.ts';
import { loadTflite } from './tflite-runner.ts';
import { relativeL2 } from './testing/tfjs-reference.ts';
import { Sketch } from './testing/tiny-graphs.ts';
import { writeTflite } from './write-tflite.ts';

const SCRIPT = fileURLToPath(new URL('./testing/armnn_check.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** The script's output: one { output name → values } per model. */
function parseResults(json: unknown, models: number): Map<string, number[]>[] {
  assert.ok(Array.isArray(json) && json.length === models, 'one result per model');
  return json.map((entry: unknown) => {
    assert.ok(typeof entry === 'object' && entry !== null);
    return new Map(Object.entries(entry).map(([name, values]: [string, unknown]) => {
      assert.ok(Array.isArray(values) && values.every((v) => typeof v === 'number'), name);
      return [name, values];
    }));
  });
}

function hasPyArmnn(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import pyarmnn'], { stdio: 'ignore' });
  return r.status === 0;
}

describe('written files in Arm NN (independent reader)', { skip: hasPyArmnn() ? false : 'python3-pyarmnn not installed' }, () => {
  it('parses and runs fp32 and int8 models of a small cell with the same results as TFLite', () => {
    const s = new Sketch([16, 16, 3], 7);
    const stem = s.conv('stem', 'input', 8, { activation: 'relu' });
    const dil = s.dw('dil', stem, { dilation: [2, 2] });
    const pw = s.conv('pw', dil, 8, { kernel: [1, 1], activation: 'relu' });
    const sum = s.add('sum', [pw, s.pool('mp', 'maxPool', stem, [3, 3], [1, 1], 'same'), s.pool('ap', 'avgPool', stem, [3, 3], [1, 1], 'same')]);
    const red = s.conv('red', s.concat('cat', [sum, stem]), 8, { strides: [2, 2], activation: 'relu' });
    s.dense('logits', s.gap('gap', red), 10, 8);
    const shapes = inferShapes(s.graph);
    const part = { nodes: s.graph.nodes.map((n) => n.name), inputs: ['input'], outputs: ['red', 'logits'] };
    const q = quantizeGraph(s.graph, calibrate(s.graph, Array.from({ length: 8 }, () => s.data([16, 16, 3])), { method: 'minmax', minImages: 8 }));
    const x = s.data([16, 16, 3]);
    const xq = quantizeTensor(x, q.activations.input);
    const fp32 = writeTflite(s.graph, part, shapes);
    const int8 = writeTflite(s.graph, part, shapes, { quant: q });

    const dir = mkdtempSync(join(tmpdir(), 'ranas-armnn-'));
    try {
      writeFileSync(join(dir, 'fp32.tflite'), fp32);
      writeFileSync(join(dir, 'int8.tflite'), int8);
      const model = (file: string, dtype: string, data: ArrayLike<number>) => ({ path: join(dir, file), input: 'input', shape: [1, 16, 16, 3], dtype, data: Array.from(data), outputs: part.outputs });
      writeFileSync(join(dir, 'spec.json'), JSON.stringify({ models: [model('fp32.tflite', 'float32', x), model('int8.tflite', 'int8', xq)] }));
      const r = spawnSync(PYTHON, [SCRIPT, join(dir, 'spec.json')], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      const [armFp32, armInt8] = parseResults(JSON.parse(r.stdout.trim().split('\n').pop() ?? ''), 2);
      const tflFp32 = loadTflite(fp32).run({ input: x });
      const tflInt8 = loadTflite(int8).run({ input: xq });
      for (const name of part.outputs) {
        assert.ok(relativeL2(armFp32.get(name) ?? [], tflFp32.get(name) ?? []) < 1e-5, `fp32 ${name}`);
        const t = tflInt8.get(name) ?? new Int8Array();
        const a = armInt8.get(name) ?? [];
        assert.equal(a.length, t.length);
        for (let i = 0; i < t.length; i++) assert.ok(Math.abs(a[i] - t[i]) <= 1, `int8 ${name}[${i}]: armnn ${a[i]} vs tflite ${t[i]}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
