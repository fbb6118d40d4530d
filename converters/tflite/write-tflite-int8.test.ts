/**
 * int8 TFLite writer tests, run in the real TFLite 2.9 runtime against the project's integer reference
 * (converters/reference integerForward, TFLite's int8 kernels): a conv chain bit-exact at every tensor,
 * every other op within 1 LSB; int8 op versions and quantisation fields; float I/O through
 * QUANTIZE/DEQUANTIZE; chained int8 segments equal to the monolithic model.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../../src/errors.ts';
import type { ModelGraph } from '../../src/ir/types.ts';
import type { QuantizedGraph } from '../quant-types.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { dequantizeTensor, quantizeTensor } from '../quantize/quant-params.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { integerForwardFeeds } from '../reference/integer-forward.ts';
import { inferShapes } from '../reference/shapes.ts';
import { readTflite } from './read-tflite.ts';
import { globalAvgPoolInt8 } from './ruy-requantize.ts';
import { loadTflite } from './tflite-runner.ts';
import { int8Conv } from './testing/int8-conv-kernel.ts';
import { Sketch } from './testing/tiny-graphs.ts';
import { INT8_SUFFIX, writeTflite } from './write-tflite.ts';

const CALIBRATION_IMAGES = 8;

/** Calibrates on a few random images and quantises. */
function quantize(s: Sketch): { q: QuantizedGraph; shapes: Map<string, number[]> } {
  const images = Array.from({ length: CALIBRATION_IMAGES }, () => s.data(s.graph.inputs[0].shape));
  const ranges = calibrate(s.graph, images, { method: 'minmax', minImages: CALIBRATION_IMAGES });
  return { q: quantizeGraph(s.graph, ranges), shapes: inferShapes(s.graph) };
}

function allNodes(graph: ModelGraph): string[] {
  return graph.nodes.map((n) => n.name);
}

function maxAbsDiff(a: Int8Array, b: Int8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function convChain(): Sketch {
  const s = new Sketch([12, 12, 3], 11);
  const a = s.conv('c1', 'input', 8, { activation: 'relu' });
  const b = s.dw('dw_dil', a, { dilation: [2, 2], activation: 'relu' });
  const c = s.conv('c2', b, 6, { strides: [2, 2] });
  const d = s.dw('dw_s2', c, { strides: [2, 2], kernel: [5, 5] });
  s.conv('c3', d, 4, { kernel: [1, 1], activation: 'relu', bias: false });
  return s;
}

describe('writeTflite int8 in TFLite 2.9 vs the integer reference', () => {
  it('a conv chain (conv, dilated depthwise, strided conv/depthwise, 1x1 without bias) is bit-exact at every tensor', () => {
    // Expectation: TFLite's int8 kernels with the rounding TFLite 2.9 actually runs (ruy's ties-upward
    // final shift for CONV_2D, the reference rounding for DEPTHWISE_CONV_2D), chained node by node.
    const s = convChain();
    const { q, shapes } = quantize(s);
    const outputs = allNodes(s.graph);
    const session = loadTflite(writeTflite(s.graph, { nodes: outputs, inputs: ['input'], outputs }, shapes, { quant: q }));
    let compared = 0;
    for (let trial = 0; trial < 4; trial++) {
      const xq = quantizeTensor(s.data([12, 12, 3]), q.activations.input);
      const got = session.run({ input: xq });
      const env = new Map<string, Int8Array>([['input', xq]]);
      for (const node of s.graph.nodes) {
        assert.ok(node.op === 'conv2d' || node.op === 'depthwiseConv2d');
        const x = env.get(node.inputs[0]);
        assert.ok(x);
        const want = int8Conv(q, node, x, shapes.get(node.inputs[0]) ?? []);
        const g = got.get(node.name);
        assert.ok(g instanceof Int8Array);
        assert.equal(maxAbsDiff(g, want), 0, `${node.name} differs from the expected int8 kernel`);
        compared += g.length;
        env.set(node.name, want);
      }
    }
    assert.ok(compared > 2000);
  });

  it('every op equals integerForward exactly given the same inputs', () => {
    const s = new Sketch([9, 9, 4], 5);
    const stem = s.conv('stem', 'input', 6);
    const dw = s.dw('dw', stem, { dilation: [2, 2] });
    const r = s.relu('r', dw);
    const mp = s.pool('mp', 'maxPool', r, [3, 3], [2, 2], 'same');
    const ap = s.pool('ap', 'avgPool', r, [3, 3], [2, 2], 'same');
    const dn = s.conv('down', r, 6, { strides: [2, 2], activation: 'relu' });
    const sum = s.add('sum', [mp, ap, dn], 'relu');
    const cat = s.concat('cat', [sum, dn]);
    const g = s.gap('gap', cat);
    s.dense('logits', g, 10, 12);
    const { q, shapes } = quantize(s);
    const nodes = allNodes(s.graph);
    const session = loadTflite(writeTflite(s.graph, { nodes, inputs: ['input'], outputs: nodes }, shapes, { quant: q }));
    for (let trial = 0; trial < 3; trial++) {
      const xq = quantizeTensor(s.data([9, 9, 4]), q.activations.input);
      const got = session.run({ input: xq });
      for (const node of s.graph.nodes) {
        const feeds = new Map(node.inputs.map((i) => [i, i === 'input' ? xq : got.get(i)]).filter((e): e is [string, Int8Array] => e[1] instanceof Int8Array));
        const want = integerForwardFeeds(q, feeds, [node.name]).get(node.name);
        const have = got.get(node.name);
        assert.ok(want && have instanceof Int8Array, node.name);
        const diff = maxAbsDiff(have, want);
        assert.equal(diff, 0, `${node.name} (${node.op}): max |tflite - integerForward| = ${diff} LSB`);
        if (node.op === 'globalAvgPool') {
          const x = got.get(node.inputs[0]);
          const [h, w, c] = shapes.get(node.inputs[0]) ?? [];
          assert.ok(x instanceof Int8Array);
          const expected = globalAvgPoolInt8(x, [h, w, c], q.activations[node.inputs[0]], q.activations[node.name]);
          assert.equal(maxAbsDiff(have, expected), 0, 'globalAvgPool (a unit depthwise convolution) = the whole-map average of the raw values when the quantisation is shared');
        }
      }
    }
  });

  it('declares int8 op versions and writes quantisation on every tensor', () => {
    const s = new Sketch([8, 8, 3], 2);
    const a = s.conv('c', 'input', 4, { activation: 'relu' });
    const b = s.dw('d', a, { dilation: [2, 2] });
    const m = s.pool('m', 'maxPool', b, [2, 2], [2, 2], 'valid');
    const g = s.gap('g', m);
    s.dense('fc', g, 3, 4);
    const { q, shapes } = quantize(s);
    const model = readTflite(writeTflite(s.graph, { nodes: allNodes(s.graph), inputs: ['input'], outputs: ['fc'] }, shapes, { quant: q }));
    // quantizeGraph gives the mean its input's parameters, so no requantising QUANTIZE follows the pool.
    assert.deepEqual(q.activations.g, q.activations.m);
    assert.deepEqual(Object.fromEntries(model.operatorCodes.map((c) => [c.op, c.version])), {
      CONV_2D: 3, DEPTHWISE_CONV_2D: 3, MAX_POOL_2D: 2, RESHAPE: 1, FULLY_CONNECTED: 4,
    });
    const t = (name: string) => {
      const found = model.tensors.find((x) => x.name === name);
      assert.ok(found, name);
      return found;
    };
    for (const name of ['input', 'c', 'd', 'm', 'g', 'fc']) {
      assert.equal(t(name).type, 'INT8', name);
      assert.deepEqual(t(name).zeroPoint, [q.activations[name].zeroPoint + 0], name); // + 0: no -0
      assert.equal(t(name).scale[0], Math.fround(q.activations[name].scale), name);
    }
    // Constants have short generated names: find them as the weight (1) and bias (2) inputs of the operator
    // that writes a node's output.
    const operand = (node: string, input: 1 | 2) => {
      const op = model.operators.find((o) => o.outputs.some((i) => model.tensors[i].name === node));
      assert.ok(op, node);
      return model.tensors[op.inputs[input]];
    };
    assert.equal(operand('c', 1).type, 'INT8');
    assert.equal(operand('c', 1).quantizedDimension, 0);
    assert.equal(operand('c', 1).scale.length, 4);
    assert.equal(operand('d', 1).quantizedDimension, 3);
    assert.deepEqual(operand('d', 1).shape, [1, 3, 3, 4]);
    assert.equal(operand('fc', 1).scale.length, 1);
    assert.equal(operand('fc', 2).scale.length, 1); // per-tensor kernel → per-tensor bias
    // int32 bias with scale s_in * s_w per channel.
    const bias = operand('c', 2);
    assert.equal(bias.type, 'INT32');
    bias.scale.forEach((sb, c) => {
      const expected = q.activations.input.scale * q.weights['c/w'].scales[c];
      assert.ok(Math.abs(sb - expected) <= 1e-6 * expected, `bias scale ${c}: ${sb} vs ${expected}`);
    });
  });

  it('the int8 mean is an H×W depthwise convolution with unit weights (XNNPACK takes it), exact with the reference and within a step of the real mean', () => {
    const s = new Sketch([5, 6, 12], 21);
    s.gap('g', s.conv('c', 'input', 12, { kernel: [1, 1] }));
    const { q: q0, shapes } = quantize(s);
    const q: QuantizedGraph = { ...q0, activations: { ...q0.activations, g: { scale: q0.activations.c.scale * 0.41, zeroPoint: -9 } } };
    const bytes = writeTflite(s.graph, { nodes: ['c', 'g'], inputs: ['input'], outputs: ['c', 'g'] }, shapes, { quant: q });
    assert.deepEqual(readTflite(bytes).operators.map((o) => o.op), ['CONV_2D', 'DEPTHWISE_CONV_2D', 'RESHAPE']);
    const session = loadTflite(bytes);
    for (let trial = 0; trial < 5; trial++) {
      const got = session.run({ input: quantizeTensor(s.data([5, 6, 12]), q.activations.input) });
      const c = got.get('c');
      const g = got.get('g');
      assert.ok(c instanceof Int8Array && g instanceof Int8Array);
      // One rounding: within half an output step (plus the multiplier's float error) of the real mean of the
      // dequantised map — closer than the old pool-then-requantise path, which rounded twice.
      const qc = q.activations.c;
      const qg = q.activations.g;
      for (let ch = 0; ch < 12; ch++) {
        let sum = 0;
        for (let i = 0; i < 30; i++) sum += qc.scale * (c[i * 12 + ch] - qc.zeroPoint);
        const want = sum / 30 / qg.scale + qg.zeroPoint;
        if (want > -128.5 && want < 127.5) assert.ok(Math.abs(g[ch] - want) <= 0.5 + 1e-3, `channel ${ch}: ${g[ch]} vs ${want}`);
      }
      assert.equal(maxAbsDiff(g, integerForwardFeeds(q, new Map([['c', c]]), ['g']).get('g') ?? new Int8Array()), 0);
    }
  });

  it('floatIo adds QUANTIZE at inputs and DEQUANTIZE at outputs, keeping the int8 result', () => {
    const s = convChain();
    const { q, shapes } = quantize(s);
    const part = { nodes: allNodes(s.graph), inputs: ['input'], outputs: ['c2', 'c3'] };
    const floatBytes = writeTflite(s.graph, part, shapes, { quant: q, floatIo: true });
    const intBytes = writeTflite(s.graph, part, shapes, { quant: q });
    const model = readTflite(floatBytes);
    assert.deepEqual(model.operatorCodes.filter((c) => c.op === 'QUANTIZE' || c.op === 'DEQUANTIZE'), [
      { op: 'QUANTIZE', version: 1 },
      { op: 'DEQUANTIZE', version: 2 },
    ]);
    assert.deepEqual(model.inputs.map((i) => [model.tensors[i].name, model.tensors[i].type]), [['input', 'FLOAT32']]);
    assert.deepEqual(model.outputs.map((i) => [model.tensors[i].name, model.tensors[i].type]), [['c2', 'FLOAT32'], ['c3', 'FLOAT32']]);
    assert.ok(model.tensors.some((t) => t.name === 'input' + INT8_SUFFIX && t.type === 'INT8'));

    // Inputs on the int8 grid quantise exactly, so both models see the same int8 input.
    const qin = q.activations.input;
    const xq = quantizeTensor(s.data([12, 12, 3]), qin);
    const xf = dequantizeTensor(xq, qin);
    const gotFloat = loadTflite(floatBytes).run({ input: xf });
    const gotInt = loadTflite(intBytes).run({ input: xq });
    for (const name of part.outputs) {
      const f = gotFloat.get(name);
      const i = gotInt.get(name);
      assert.ok(f instanceof Float32Array && i instanceof Int8Array, name);
      const expected = dequantizeTensor(i, q.activations[name]);
      for (let k = 0; k < f.length; k++) assert.ok(Math.abs(f[k] - expected[k]) <= 1e-6 * Math.max(1, Math.abs(expected[k])), `${name}[${k}]`);
    }
  });

  it('generated tensor names never take an IR tensor\'s name', () => {
    const s = new Sketch([6, 6, 3], 13);
    const c = s.conv('c', 'input', 4, { bias: false });
    // IR tensors named like what the writer generates: the int8 twin of 'input' and its first constant
    // name ('0', which the filter of 'c' would get).
    const a = s.relu('input_int8', c);
    const r = s.relu('0', a);
    s.gap('g', r);
    const { q, shapes } = quantize(s);
    const bytes = writeTflite(s.graph, { nodes: allNodes(s.graph), inputs: ['input'], outputs: ['input_int8', 'g'] }, shapes, { quant: q, floatIo: true });
    const names = readTflite(bytes).tensors.map((t) => t.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('input_int8_2') && names.includes('0_2'), names.join(' '));
    const session = loadTflite(bytes);
    assert.deepEqual(session.outputs.map((t) => [t.name, t.dataType]), [['input_int8', 'float32'], ['g', 'float32']]);
    const x = dequantizeTensor(quantizeTensor(s.data([6, 6, 3]), q.activations.input), q.activations.input);
    const got = session.run({ input: x }).get('g');
    const want = integerForwardFeeds(q, new Map([['input', quantizeTensor(x, q.activations.input)]]), ['g']).get('g');
    assert.ok(got instanceof Float32Array && want);
    assert.deepEqual(Array.from(quantizeTensor(got, q.activations.g)), Array.from(want));
  });

  it('two chained int8 segments give exactly the monolithic model\'s outputs', () => {
    const s = new Sketch([8, 8, 3], 9);
    const a = s.conv('a', 'input', 6, { activation: 'relu' });
    const g1 = s.gap('g1', a);
    const e1 = s.dense('exit1', g1, 4, 6);
    const b = s.dw('b', a, { dilation: [2, 2], activation: 'relu' });
    const c = s.conv('c', b, 6, { strides: [2, 2] });
    const sum = s.add('sum', [c, s.pool('pa', 'avgPool', a, [3, 3], [2, 2], 'same')]);
    const g2 = s.gap('g2', sum);
    const e2 = s.dense('exit2', g2, 4, 6);
    const { q, shapes } = quantize(s);
    const mono = writeTflite(s.graph, { nodes: allNodes(s.graph), inputs: ['input'], outputs: [e1, e2] }, shapes, { quant: q });
    const seg0 = writeTflite(s.graph, { nodes: ['a', 'g1', 'exit1'], inputs: ['input'], outputs: ['a', e1] }, shapes, { quant: q });
    const seg1 = writeTflite(s.graph, { nodes: ['b', 'c', 'pa', 'sum', 'g2', 'exit2'], inputs: ['a'], outputs: [e2] }, shapes, { quant: q });
    const xq = quantizeTensor(s.data([8, 8, 3]), q.activations.input);
    const m = loadTflite(mono).run({ input: xq });
    const first = loadTflite(seg0).run({ input: xq });
    const state = first.get('a');
    assert.ok(state instanceof Int8Array);
    const second = loadTflite(seg1).run({ a: state });
    assert.deepEqual(Array.from(first.get(e1) ?? []), Array.from(m.get(e1) ?? []));
    assert.deepEqual(Array.from(second.get(e2) ?? []), Array.from(m.get(e2) ?? []));
  });

  it('refuses a tensor without activation quantisation, naming it', () => {
    const s = convChain();
    const { q, shapes } = quantize(s);
    const activations = { ...q.activations };
    delete activations.dw_dil;
    assert.throws(
      () => writeTflite(s.graph, { nodes: allNodes(s.graph), inputs: ['input'], outputs: ['c3'] }, shapes, { quant: { ...q, activations } }),
      (e: unknown) => isRanasError(e, 'E_TFLITE_INPUT') && /'dw_dil'/.test(e.message),
    );
  });

  it('refuses a bias whose scale is not s_in * s_w', () => {
    const s = convChain();
    const { q, shapes } = quantize(s);
    const bias = q.weights['c1/b'];
    const weights = { ...q.weights, 'c1/b': { ...bias, scales: bias.scales.map((v) => v * 2) } };
    assert.throws(
      () => writeTflite(s.graph, { nodes: allNodes(s.graph), inputs: ['input'], outputs: ['c3'] }, shapes, { quant: { ...q, weights } }),
      (e: unknown) => isRanasError(e, 'E_TFLITE_UNSUPPORTED') && /'c1'/.test(e.message) && /bias/.test(e.message),
    );
  });
});
