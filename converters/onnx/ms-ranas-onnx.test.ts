import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.ts';
import { initEngine } from '../../src/engine/backend.ts';
import { createProgram } from '../../src/exec/program.ts';
import { buildPreset } from '../../src/model/presets.ts';
import { validateGraph } from '../../src/ir/validate.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import { cutSegments } from '../segments.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import { integerForward } from '../reference/integer-forward.ts';
import { writeOnnx } from './write-onnx.ts';
import { openOnnx } from './run-onnx.ts';
import { uniformSource } from './fixture-graph.ts';
import { runChained } from '../bundle/check-chain.ts';
import { OPEN_MODEL } from '../bundle/model-runtimes.ts';
import { checkOnnxModel, onnxCheckerAvailable } from './onnx-checker.ts';
import { countOps, ortOptimizedGraph } from './ort-optimized.ts';

before(async () => { await initEngine('cpu'); });

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

// The tiny MS-RANAS preset (untrained; batch-norm statistics made non-trivial so folding matters).
const original = buildPreset('tiny');
for (const [name, w] of Object.entries(original.weights)) {
  const rand = uniformSource(name.length * 7919 + 1);
  if (name.endsWith('movingMean')) w.data.forEach((_, i) => { w.data[i] = rand() * 0.2; });
  if (name.endsWith('movingVariance')) w.data.forEach((_, i) => { w.data[i] = 0.5 + 0.5 * (rand() + 1); });
  if (name.endsWith('gamma')) w.data.forEach((_, i) => { w.data[i] = 1 + 0.3 * rand(); });
}
const prepared = fuseRelu(foldBatchNorm(original));
const shapes = validateGraph(prepared);
const input = prepared.inputs[0];
const exits = prepared.exits.map((e) => e.tensor);
const size = input.shape.reduce((a, b) => a * b, 1);
const image = (seed: number) => { const r = uniformSource(seed); return Float32Array.from({ length: size }, () => r() * 2); };

test('tiny MS-RANAS fp32 ONNX: every exit within 1e-4 relative L2 of the tfjs engine, monolithic and chained segments', async () => {
  assert.ok(original.nodes.some((n) => n.op === 'batchNorm' && n.weights.movingMean?.endsWith('movingMean')), 'the preset has batch-norm statistics to fold');
  const program = createProgram(original);
  const segments = cutSegments(prepared);
  assert.equal(segments.length, exits.length);
  const monoBytes = writeOnnx(prepared, { nodes: prepared.nodes.map((n) => n.name), inputs: [input.name], outputs: exits }, shapes);
  if (onnxCheckerAvailable()) checkOnnxModel(monoBytes);
  const mono = await openOnnx(monoBytes, shapes);
  const sessions = await Promise.all(segments.map((s) => OPEN_MODEL.onnx(writeOnnx(prepared, s, shapes), shapes)));
  for (const seed of [1, 2]) {
    const x = image(seed);
    const ref = tf.tidy(() => program.forward(tf.tensor4d(x, [1, ...input.shape] as [number, number, number, number])).exits.map((t) => t.dataSync().slice()));
    const got = await mono.run(new Map([[input.name, x]]));
    const chained = await runChained(sessions, segments, input.name, x);
    exits.forEach((t, k) => {
      assert.ok(relL2(got.get(t) ?? [], ref[k]) < 1e-4, `exit ${k} monolithic: ${relL2(got.get(t) ?? [], ref[k])}`);
      assert.ok(relL2(chained.get(t) ?? [], ref[k]) < 1e-4, `exit ${k} chained: ${relL2(chained.get(t) ?? [], ref[k])}`);
    });
  }
  program.dispose();
  await Promise.all([mono.release(), ...sessions.map((s) => s.release())]);
});

/**
 * Every QDQ convolution fuses into onnxruntime's integer kernels (uint8 activations inside the graph, see
 * write-onnx.ts); only the exit heads' Gemm still runs in float on dequantised values, where a near-tie can
 * round one step away from the integer reference. So: chained = monolithic exactly, and every logit within
 * 1 LSB of the reference (before the uint8 change, with a quarter of the convs in float, this needed 2).
 */
test('tiny MS-RANAS QDQ ONNX: chained int8 segments give exactly the monolithic logits; exits track the integer reference (ONNX QDQ rules)', async () => {
  const q = quantizeGraph(prepared, calibrate(prepared, [11, 12, 13, 14].map(image), { method: 'minmax', minImages: 4 }));
  const segments = cutSegments(prepared);
  const monoBytes = writeOnnx(prepared, { nodes: prepared.nodes.map((n) => n.name), inputs: [input.name], outputs: exits }, shapes, { quant: q });
  if (onnxCheckerAvailable()) checkOnnxModel(monoBytes);
  const mono = await openOnnx(monoBytes, shapes);
  const sessions = await Promise.all(segments.map((s) => OPEN_MODEL.onnx(writeOnnx(prepared, s, shapes, { quant: q }), shapes)));
  let worst = 0;
  let logits = 0;
  let withinOne = 0;
  for (const seed of [21, 22, 23, 24]) {
    const x = image(seed);
    const got = await mono.run(new Map([[input.name, quantizeTensor(x, q.activations[input.name])]]));
    const chained = await runChained(sessions, segments, input.name, x, q.activations[input.name]);
    const ref = integerForward(q, quantizeTensor(x, q.activations[input.name]), exits, { semantics: 'onnx-qdq' });
    for (const t of exits) {
      const out = got.get(t);
      assert.ok(out instanceof Int8Array);
      assert.deepEqual(chained.get(t), out, t);
      const want = ref.get(t) ?? new Int8Array();
      out.forEach((v, i) => {
        const lsb = Math.abs(v - want[i]);
        worst = Math.max(worst, lsb);
        logits++;
        if (lsb <= 1) withinOne++;
      });
    }
  }
  assert.ok(worst <= 1, `exits: ${worst} LSB from the integer reference`);
  assert.ok(withinOne / logits >= 0.99, `exits: ${withinOne} of ${logits} logits within 1 LSB`);
  await Promise.all([mono.release(), ...sessions.map((s) => s.release())]);
});

test('tiny MS-RANAS QDQ ONNX: onnxruntime fuses every convolution of every int8 segment (no float Conv in its optimised graph)', async () => {
  const q = quantizeGraph(prepared, calibrate(prepared, [11, 12, 13, 14].map(image), { method: 'minmax', minImages: 4 }));
  for (const [k, s] of cutSegments(prepared).entries()) {
    const bytes = writeOnnx(prepared, s, shapes, { quant: q });
    const convs = countOps(bytes).Conv ?? 0;
    assert.ok(convs > 0, `segment ${k} has convolutions`);
    const optimized = await ortOptimizedGraph(bytes);
    assert.equal(optimized.floatConvs, 0, `segment ${k}: float convs left in onnxruntime's graph: ${JSON.stringify(optimized.ops)}`);
    assert.equal(optimized.integerConvs, convs, `segment ${k}: ${optimized.integerConvs} of ${convs} convs fused`);
  }
});
