import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateGraph } from '../../src/ir/validate.ts';
import { isRanasError } from '../../src/errors.ts';
import type { ModelGraph } from '../../src/ir/types.ts';
import type { QuantizedGraph, QuantizedWeight, TensorQuant } from '../quant-types.ts';
import { writeOnnx, type GraphPart } from './write-onnx.ts';
import { openOnnx } from './run-onnx.ts';
import { fixtureGraph, uniformSource } from './fixture-graph.ts';
import { tfReference, useCpuBackend } from './tf-reference.ts';
import { checkOnnxModel, onnxCheckerAvailable } from './onnx-checker.ts';
import { onnx } from './onnx-proto.ts';
import { fromOnnxLayout, permute, tfPads, toOnnxLayout } from './layout.ts';

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

function randomImage(graph: ModelGraph, seed: number): Float32Array {
  const rand = uniformSource(seed);
  const n = graph.inputs[0].shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => rand() * 2);
}

const graph = fixtureGraph();
const shapes = validateGraph(graph);
const exits = graph.exits.map((e) => e.tensor);
const whole: GraphPart = { nodes: graph.nodes.map((n) => n.name), inputs: ['image'], outputs: exits };
const seg0: GraphPart = { nodes: ['stem', 'exit0/gap', 'exit0/logits'], inputs: ['image'], outputs: ['stem', 'exit0/logits'] };
const seg1: GraphPart = { nodes: graph.nodes.map((n) => n.name).filter((n) => !seg0.nodes.includes(n)), inputs: ['stem'], outputs: ['exit1/logits'] };

test('layout helpers: TF same pads put the odd pixel bottom/right; NHWC↔NCHW round-trips', () => {
  assert.deepEqual(tfPads('same', [9, 9], [3, 3], [2, 2]), [1, 1, 1, 1]);
  assert.deepEqual(tfPads('same', [8, 8], [3, 3], [2, 2]), [0, 0, 1, 1]);
  assert.deepEqual(tfPads('same', [5, 5], [3, 3], [1, 1], [2, 2]), [2, 2, 2, 2]);
  assert.deepEqual(tfPads('same', [6, 7], [2, 2], [1, 1]), [0, 0, 1, 1]);
  assert.deepEqual(tfPads('valid', [9, 9], [3, 3], [2, 2]), [0, 0, 0, 0]);
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  assert.deepEqual(fromOnnxLayout(toOnnxLayout(x, [2, 3, 4]), [2, 3, 4]), x);
  // [h=1, w=2, c=3] → NCHW: channel 0 first = values 0 and 3.
  assert.deepEqual([...toOnnxLayout(Float32Array.from([0, 1, 2, 3, 4, 5]), [1, 2, 3])], [0, 3, 1, 4, 2, 5]);
  assert.deepEqual([...permute(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0])], [1, 4, 2, 5, 3, 6]);
});

test('fp32 ONNX: every exit within 1e-4 relative L2 of the tfjs reference, and the checker accepts it', async () => {
  await useCpuBackend();
  const bytes = writeOnnx(graph, whole, shapes);
  if (onnxCheckerAvailable()) checkOnnxModel(bytes);
  else console.log('skipped the ONNX checker: python3-onnx is not installed (apt-get install -y python3-onnx)');
  const runner = await openOnnx(bytes, shapes);
  for (const seed of [1, 2, 3]) {
    const image = randomImage(graph, seed);
    const ref = tfReference(graph, image, exits);
    const got = await runner.run(new Map([['image', image]]));
    for (const t of exits) {
      const err = relL2(got.get(t) ?? [], ref.get(t) ?? []);
      assert.ok(err < 1e-4, `${t} seed ${seed}: rel L2 ${err}`);
    }
  }
  await runner.release();
});

test('fp32 ONNX segments: chained segments give the monolithic logits of both exits', async () => {
  const mono = await openOnnx(writeOnnx(graph, whole, shapes), shapes);
  const s0 = await openOnnx(writeOnnx(graph, seg0, shapes), shapes);
  const s1bytes = writeOnnx(graph, seg1, shapes);
  if (onnxCheckerAvailable()) checkOnnxModel(s1bytes);
  const s1 = await openOnnx(s1bytes, shapes);
  const image = randomImage(graph, 9);
  const m = await mono.run(new Map([['image', image]]));
  const a = await s0.run(new Map([['image', image]]));
  const stem = a.get('stem');
  assert.ok(stem);
  assert.deepEqual(stem.length, 5 * 5 * 6);
  const b = await s1.run(new Map([['stem', stem]]));
  assert.ok(relL2(a.get('exit0/logits') ?? [], m.get('exit0/logits') ?? []) < 1e-6);
  assert.ok(relL2(b.get('exit1/logits') ?? [], m.get('exit1/logits') ?? []) < 1e-6);
  await Promise.all([mono.release(), s0.release(), s1.release()]);
});

/**
 * A simple test quantisation (min/max over four images, per-channel symmetric weights), not the core's:
 * it checks the QDQ structure; int8 accuracy against the integer reference is tested with the core's
 * quantiser. Few calibration images clip a little, hence the loose 15% bound against fp32.
 */
function fixtureQuant(g: ModelGraph): QuantizedGraph {
  const tensors = ['image', ...g.nodes.map((n) => n.name)];
  const lo = new Map<string, number>();
  const hi = new Map<string, number>();
  for (const seed of [11, 12, 13, 14]) {
    const image = randomImage(g, seed);
    const values = tfReference(g, image, tensors);
    values.set('image', image);
    for (const [t, v] of values) {
      lo.set(t, Math.min(lo.get(t) ?? 0, ...v));
      hi.set(t, Math.max(hi.get(t) ?? 0, ...v));
    }
  }
  const activations: Record<string, TensorQuant> = {};
  for (const t of tensors) {
    const min = lo.get(t) ?? 0;
    const max = hi.get(t) ?? 0;
    const scale = Math.max(max - min, 1e-6) / 255;
    activations[t] = { scale, zeroPoint: Math.max(-128, Math.min(127, Math.round(-128 - min / scale))) };
  }
  const weights: Record<string, QuantizedWeight> = {};
  for (const node of g.nodes) {
    if (node.op !== 'conv2d' && node.op !== 'depthwiseConv2d' && node.op !== 'dense') continue;
    const filterName = node.op === 'dense' ? node.weights.kernel : node.weights.filter;
    if (filterName === undefined) continue;
    const w = g.weights[filterName];
    const channels = w.shape[node.op === 'depthwiseConv2d' ? 2 : w.shape.length - 1];
    const perChannel = node.op !== 'dense';
    // The channel is the fastest-varying axis of conv [kh,kw,cin,cout] and depthwise [kh,kw,c,1] filters.
    const channelOf = (i: number) => (perChannel ? i % channels : 0);
    const maxAbs = new Float32Array(perChannel ? channels : 1);
    w.data.forEach((v, i) => { maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)], Math.abs(v)); });
    const scales = maxAbs.map((m) => Math.max(m, 1e-8) / 127);
    weights[filterName] = { values: Int8Array.from(w.data, (v, i) => Math.round(v / scales[channelOf(i)])), scales, axis: w.shape.length - 1 };
    const biasName = node.weights.bias;
    if (biasName !== undefined) {
      const sIn = activations[node.inputs[0]].scale;
      const bScales = Float32Array.from({ length: channels }, (_, c) => sIn * scales[perChannel ? c : 0]);
      weights[biasName] = { values: Int32Array.from(g.weights[biasName].data, (v, c) => Math.round(v / bScales[c])), scales: bScales, axis: 0 };
    }
  }
  return { graph: g, activations, weights };
}

test('QDQ int8 ONNX: checker accepts it, int8 I/O, logits close to fp32, chained segments exact', async () => {
  const q = fixtureQuant(graph);
  const bytes = writeOnnx(graph, whole, shapes, { quant: q });
  if (onnxCheckerAvailable()) checkOnnxModel(bytes);
  const mono = await openOnnx(bytes, shapes);
  const s0 = await openOnnx(writeOnnx(graph, seg0, shapes, { quant: q }), shapes);
  const s1 = await openOnnx(writeOnnx(graph, seg1, shapes, { quant: q }), shapes);
  const image = randomImage(graph, 21);
  const inQ = q.activations.image;
  const imageQ = Int8Array.from(image, (v) => Math.max(-128, Math.min(127, Math.round(v / inQ.scale) + inQ.zeroPoint)));
  const m = await mono.run(new Map([['image', imageQ]]));
  const ref = tfReference(graph, image, exits);
  for (const t of exits) {
    const got = m.get(t);
    assert.ok(got instanceof Int8Array, `${t} is int8`);
    const p = q.activations[t];
    const real = Float32Array.from(got, (v) => p.scale * (v - p.zeroPoint));
    const err = relL2(real, ref.get(t) ?? []);
    assert.ok(err < 0.15, `${t}: int8 vs fp32 rel L2 ${err}`);
  }
  const a = await s0.run(new Map([['image', imageQ]]));
  const stem = a.get('stem');
  assert.ok(stem instanceof Int8Array);
  const b = await s1.run(new Map([['stem', stem]]));
  assert.deepEqual(b.get('exit1/logits'), m.get('exit1/logits'));
  assert.deepEqual(a.get('exit0/logits'), m.get('exit0/logits'));
  await Promise.all([mono.release(), s0.release(), s1.release()]);
});

test('QDQ with float I/O takes float input and gives float logits', async () => {
  const q = fixtureQuant(graph);
  const bytes = writeOnnx(graph, whole, shapes, { quant: q, floatIo: true });
  if (onnxCheckerAvailable()) checkOnnxModel(bytes);
  const runner = await openOnnx(bytes, shapes);
  const image = randomImage(graph, 21);
  const got = await runner.run(new Map([['image', image]]));
  const ref = tfReference(graph, image, exits);
  for (const t of exits) {
    const v = got.get(t);
    assert.ok(v instanceof Float32Array, `${t}: ${String(v?.constructor.name)} ${[...got.keys()].join(',')}`);
    assert.ok(relL2(v, ref.get(t) ?? []) < 0.15);
  }
  await runner.release();
});

test('an op with no lowering is refused naming the node and the op', () => {
  const g = fixtureGraph();
  const bn: ModelGraph = {
    ...g,
    nodes: [...g.nodes, { name: 'late/bn', op: 'batchNorm', inputs: ['b2/relu'], attrs: { epsilon: 1e-5, momentum: 0.9, affine: false }, weights: {} }],
  };
  const part = { nodes: bn.nodes.map((n) => n.name), inputs: ['image'], outputs: ['exit1/logits'] };
  const sh = new Map(shapes);
  sh.set('late/bn', shapes.get('b2/relu') ?? []);
  assert.throws(() => writeOnnx(bn, part, sh), (e) => isRanasError(e, 'E_ONNX_UNSUPPORTED_OP') && /late\/bn/.test(e.message) && /batchNorm/.test(e.message));
  const mixed: ModelGraph = {
    ...g,
    nodes: [...g.nodes, { name: 'cell/mix', op: 'mixedOp', inputs: ['b2/relu'], attrs: { alpha: 'a', row: 0, primitives: ['skip_connect'] }, weights: {} }],
  };
  sh.set('cell/mix', shapes.get('b2/relu') ?? []);
  assert.throws(() => writeOnnx(mixed, { ...part, nodes: mixed.nodes.map((n) => n.name) }, sh), (e) => isRanasError(e, 'E_ONNX_UNSUPPORTED_OP') && /cell\/mix/.test(e.message) && /mixedOp/.test(e.message));
});

test('a part that reads a tensor it neither receives nor computes is refused', () => {
  assert.throws(() => writeOnnx(graph, { nodes: seg1.nodes, inputs: [], outputs: seg1.outputs }, shapes), (e) => isRanasError(e, 'E_ONNX_PART') && /stem/.test(e.message));
});

/** Largest absolute difference between two int8 arrays, and how many elements differ at all. */
function lsbDiff(a: Int8Array, b: Int8Array): { max: number; differing: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    if (d > 0) differing++;
  }
  return { max, differing };
}

test('QDQ int8 ONNX (core quantiser): every op and every exit, monolithic and chained, within 1 LSB of the integer reference under ONNX QDQ rules', async () => {
  const { calibrate } = await import('../quantize/calibrate.ts');
  const { quantizeGraph } = await import('../quantize/quantize.ts');
  const { quantizeTensor } = await import('../quantize/quant-params.ts');
  const { integerForward } = await import('../reference/integer-forward.ts');
  const images = [31, 32, 33, 34, 35, 36, 37, 38].map((s) => randomImage(graph, s));
  const q = quantizeGraph(graph, calibrate(graph, images, { method: 'minmax', minImages: 8 }));
  const all = graph.nodes.map((n) => n.name);
  const mono = await openOnnx(writeOnnx(graph, whole, shapes, { quant: q }), shapes);
  const s0 = await openOnnx(writeOnnx(graph, seg0, shapes, { quant: q }), shapes);
  const s1 = await openOnnx(writeOnnx(graph, seg1, shapes, { quant: q }), shapes);
  // Each op alone, fed the integer reference's int8 inputs.
  const single = new Map(await Promise.all(graph.nodes.map(async (n) => {
    const part = { nodes: [n.name], inputs: [...new Set(n.inputs)], outputs: [n.name] };
    return [n.name, await openOnnx(writeOnnx(graph, part, shapes, { quant: q }), shapes)] as const;
  })));
  let tfliteDrift = 0;
  for (const seed of [41, 42, 43, 44, 45, 46]) {
    const imageQ = quantizeTensor(randomImage(graph, seed), q.activations.image);
    const ref = integerForward(q, imageQ, all, { semantics: 'onnx-qdq' });
    ref.set('image', imageQ);
    for (const n of graph.nodes) {
      const feeds = new Map(n.inputs.map((t) => [t, ref.get(t) ?? new Int8Array()]));
      const out = (await single.get(n.name)?.run(feeds))?.get(n.name);
      assert.ok(out instanceof Int8Array);
      const d = lsbDiff(out, ref.get(n.name) ?? new Int8Array());
      assert.ok(d.max <= 1, `${n.name} (${n.op}) seed ${seed}: ${d.max} LSB from the integer reference`);
    }
    const got = await mono.run(new Map([['image', imageQ]]));
    const a = await s0.run(new Map([['image', imageQ]]));
    const stem = a.get('stem');
    assert.ok(stem instanceof Int8Array);
    const b = await s1.run(new Map([['stem', stem]]));
    const chained = new Map([['exit0/logits', a.get('exit0/logits')], ['exit1/logits', b.get('exit1/logits')]]);
    const tflite = integerForward(q, imageQ, exits);
    for (const t of exits) {
      const r = ref.get(t) ?? new Int8Array();
      for (const [how, out] of [['monolithic', got.get(t)], ['chained', chained.get(t)]] as const) {
        assert.ok(out instanceof Int8Array, `${t} ${how} is int8`);
        const d = lsbDiff(out, r);
        assert.ok(d.max <= 1, `${t} ${how} seed ${seed}: ${d.max} LSB from the integer reference`);
      }
      tfliteDrift = Math.max(tfliteDrift, lsbDiff(got.get(t) as Int8Array, tflite.get(t) ?? new Int8Array()).max);
    }
  }
  // For the record: TFLite's fixed-point rules round differently, so the ONNX exits may drift further
  // from the TFLite-rule reference (reported, not asserted).
  console.log(`QDQ ONNX exits vs the TFLite-rule reference: up to ${tfliteDrift} LSB`);
  await Promise.all([mono.release(), s0.release(), s1.release(), ...[...single.values()].map((r) => r.release())]);
});

test('boundary tensors named like generated internal names do not collide', async () => {
  const g = fixtureGraph();
  const rename = (t: string) => ({ stem: '0', 'exit0/logits': '1', 'exit1/logits': '2' }[t] ?? t);
  const renamed: ModelGraph = {
    ...g,
    nodes: g.nodes.map((n) => ({ ...n, name: rename(n.name), inputs: n.inputs.map(rename) }) as typeof n),
    exits: g.exits.map((e) => ({ ...e, tensor: rename(e.tensor) })),
  };
  const sh = new Map([...shapes].map(([k, v]) => [rename(k), v]));
  const bytes = writeOnnx(renamed, { nodes: renamed.nodes.map((n) => n.name), inputs: ['image'], outputs: ['0', '1', '2'] }, sh);
  if (onnxCheckerAvailable()) checkOnnxModel(bytes);
  const runner = await openOnnx(bytes, sh);
  const image = randomImage(g, 5);
  const got = await runner.run(new Map([['image', image]]));
  const ref = tfReference(g, image, ['exit1/logits']);
  assert.ok(relL2(got.get('2') ?? [], ref.get('exit1/logits') ?? []) < 1e-4);
  await runner.release();
});

test('written without redundancy: no default Conv attributes; in QDQ no ReLU that QuantizeLinear with zero point -128 already applies', async () => {
  await useCpuBackend();
  const decode = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph?.node ?? [];
  const fp32 = decode(writeOnnx(graph, whole, shapes));
  for (const n of fp32.filter((x) => x.opType === 'Conv')) {
    const attrs = new Map((n.attribute ?? []).map((a) => [a.name, a]));
    assert.ok(!attrs.has('kernel_shape'), 'kernel_shape is inferred from the weights');
    for (const name of ['strides', 'dilations', 'pads']) {
      const ints = attrs.get(name)?.ints?.map(Number);
      if (ints) assert.ok(ints.some((v) => v !== (name === 'pads' ? 0 : 1)), `${name} [${ints}] is the default`);
    }
    const group = attrs.get('group');
    if (group) assert.notEqual(Number(group.i), 1);
  }
  const fusedRelu = graph.nodes.filter((n) => 'activation' in n.attrs && n.attrs.activation === 'relu').length;
  const standaloneRelu = graph.nodes.filter((n) => n.op === 'relu').length;
  assert.equal(fp32.filter((n) => n.opType === 'Relu').length, fusedRelu + standaloneRelu);
  const q = fixtureQuant(graph);
  const clamped = graph.nodes.filter((n) => 'activation' in n.attrs && n.attrs.activation === 'relu' && q.activations[n.name].zeroPoint === -128).length;
  assert.ok(clamped > 0, 'the fixture has fused ReLUs whose output zero point is -128');
  const qdq = decode(writeOnnx(graph, whole, shapes, { quant: q }));
  assert.equal(qdq.filter((n) => n.opType === 'Relu').length, fusedRelu + standaloneRelu - clamped);
});
