/**
 * fp32 TFLite writer tests: every lowered op as a one-op graph run in the real TFLite 2.9 runtime
 * (tfjs-tflite-node) against a float reference (tfjs-core cpu) within 1e-4 relative L2; file structure
 * (identifier, schema version, op versions, 16-byte buffers, names, signature); multi-input/multi-output
 * parts in order; errors that name the node.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../../src/errors.ts';
import type { ModelGraph } from '../../src/ir/types.ts';
import { encodeModel } from './encode-model.ts';
import { TfliteGraphBuilder } from './graph-builder.ts';
import type { ModelSpec } from './model-spec.ts';
import { readTflite } from './read-tflite.ts';
import { loadTflite } from './tflite-runner.ts';
import { relativeL2, tfjsForward, tfjsShapes, useCpuBackend } from './testing/tfjs-reference.ts';
import { Sketch } from './testing/tiny-graphs.ts';
import { writeTflite } from './write-tflite.ts';

const TOLERANCE = 1e-4;

/** Writes the whole sketch (inputs → `outputs`), runs it in TFLite and in tfjs, returns the worst rel. L2. */
function compareWithReference(s: Sketch, outputs: string[]): number {
  const graph = s.graph;
  const shapes = tfjsShapes(graph);
  const part = { nodes: graph.nodes.map((n) => n.name), inputs: graph.inputs.map((i) => i.name), outputs };
  const bytes = writeTflite(graph, part, shapes);
  const feeds = new Map(graph.inputs.map((i) => [i.name, { data: s.data(i.shape), shape: i.shape }]));
  const got = loadTflite(bytes).run(Object.fromEntries([...feeds].map(([k, v]) => [k, v.data])));
  const want = tfjsForward(graph, part.nodes, feeds, outputs);
  let worst = 0;
  for (const name of outputs) {
    const g = got.get(name);
    const w = want.get(name);
    assert.ok(g && w, `output ${name}`);
    assert.equal(g.length, w.length, `${name} length`);
    worst = Math.max(worst, relativeL2(g, w));
  }
  return worst;
}

describe('writeTflite fp32: one-op graphs match the float reference in TFLite 2.9', () => {
  before(useCpuBackend);

  const cases: [string, () => { s: Sketch; out: string }][] = [
    ['conv 3x3 same relu', () => { const s = new Sketch([8, 8, 3]); return { s, out: s.conv('c', 'input', 5, { activation: 'relu' }) }; }],
    ['conv 3x3 stride 2 same, even size 8', () => { const s = new Sketch([8, 8, 3]); return { s, out: s.conv('c', 'input', 4, { strides: [2, 2] }) }; }],
    ['conv 3x3 stride 2 same, odd size 9', () => { const s = new Sketch([9, 9, 3]); return { s, out: s.conv('c', 'input', 4, { strides: [2, 2] }) }; }],
    ['conv 2x2 stride 2 same, odd size 7 (pad bottom/right)', () => { const s = new Sketch([7, 7, 2]); return { s, out: s.conv('c', 'input', 3, { kernel: [2, 2], strides: [2, 2] }) }; }],
    ['conv 3x3 valid, no bias', () => { const s = new Sketch([8, 8, 3]); return { s, out: s.conv('c', 'input', 4, { padding: 'valid', bias: false }) }; }],
    ['conv 1x1', () => { const s = new Sketch([6, 6, 4]); return { s, out: s.conv('c', 'input', 6, { kernel: [1, 1] }) }; }],
    ['conv 3x3 dilation 2 same', () => { const s = new Sketch([9, 9, 3]); return { s, out: s.conv('c', 'input', 4, { dilation: [2, 2] }) }; }],
    ['depthwise 3x3 same relu', () => { const s = new Sketch([8, 8, 4]); return { s, out: s.dw('d', 'input', { activation: 'relu' }) }; }],
    ['depthwise 3x3 stride 2 same, odd size 9', () => { const s = new Sketch([9, 9, 4]); return { s, out: s.dw('d', 'input', { strides: [2, 2] }) }; }],
    ['depthwise 3x3 stride 2 same, even size 8', () => { const s = new Sketch([8, 8, 4]); return { s, out: s.dw('d', 'input', { strides: [2, 2] }) }; }],
    ['depthwise 3x3 dilation 2 same', () => { const s = new Sketch([8, 8, 4]); return { s, out: s.dw('d', 'input', { dilation: [2, 2] }) }; }],
    ['depthwise 5x5 dilation 2 same, odd size', () => { const s = new Sketch([9, 9, 3]); return { s, out: s.dw('d', 'input', { kernel: [5, 5], dilation: [2, 2] }) }; }],
    ['depthwise 3x3 valid no bias', () => { const s = new Sketch([8, 8, 3]); return { s, out: s.dw('d', 'input', { padding: 'valid', bias: false }) }; }],
    ['maxPool 3x3 stride 1 same', () => { const s = new Sketch([8, 8, 3]); return { s, out: s.pool('p', 'maxPool', 'input', [3, 3], [1, 1], 'same') }; }],
    ['maxPool 3x3 stride 2 same, odd size 9', () => { const s = new Sketch([9, 9, 3]); return { s, out: s.pool('p', 'maxPool', 'input', [3, 3], [2, 2], 'same') }; }],
    ['maxPool 2x2 stride 2 valid', () => { const s = new Sketch([8, 8, 3]); return { s, out: s.pool('p', 'maxPool', 'input', [2, 2], [2, 2], 'valid') }; }],
    ['avgPool 3x3 stride 1 same (padding not counted)', () => { const s = new Sketch([8, 8, 3]); return { s, out: s.pool('p', 'avgPool', 'input', [3, 3], [1, 1], 'same') }; }],
    ['avgPool 3x3 stride 2 same, odd size 9', () => { const s = new Sketch([9, 9, 3]); return { s, out: s.pool('p', 'avgPool', 'input', [3, 3], [2, 2], 'same') }; }],
    ['avgPool 3x3 stride 2 same, even size 8', () => { const s = new Sketch([8, 8, 3]); return { s, out: s.pool('p', 'avgPool', 'input', [3, 3], [2, 2], 'same') }; }],
    ['add of 2 with relu', () => { const s = new Sketch([6, 6, 3]); const b = s.addInput('other', [6, 6, 3]); return { s, out: s.add('a', ['input', b], 'relu') }; }],
    ['add of 3 (a chain of ADDs)', () => {
      const s = new Sketch([6, 6, 3]);
      const b = s.addInput('b', [6, 6, 3]);
      const c = s.addInput('c', [6, 6, 3]);
      return { s, out: s.add('a', ['input', b, c], 'relu') };
    }],
    ['concat of 3 along channels', () => {
      const s = new Sketch([6, 6, 3]);
      const b = s.addInput('b', [6, 6, 2]);
      return { s, out: s.concat('cat', ['input', b, 'input']) };
    }],
    ['standalone relu', () => { const s = new Sketch([6, 6, 3]); return { s, out: s.relu('r', 'input') }; }],
    ['globalAvgPool (AVERAGE_POOL_2D over H×W, then RESHAPE)', () => { const s = new Sketch([5, 7, 4]); return { s, out: s.gap('g', 'input') }; }],
    ['dense after globalAvgPool', () => { const s = new Sketch([4, 4, 6]); const g = s.gap('g', 'input'); return { s, out: s.dense('fc', g, 10, 6) }; }],
    ['dense relu on a flattened feature map', () => { const s = new Sketch([2, 2, 3]); return { s, out: s.dense('fc', 'input', 5, 12, 'relu') }; }],
  ];
  for (const [title, make] of cases) {
    it(title, () => {
      const { s, out } = make();
      const err = compareWithReference(s, [out]);
      assert.ok(err < TOLERANCE, `relative L2 ${err} ≥ ${TOLERANCE}`);
    });
  }

  it('a small cell (conv → dilated dw → pools → concat → add → gap → dense) matches end to end', () => {
    const s = new Sketch([16, 16, 3], 7);
    const stem = s.conv('stem', 'input', 8, { activation: 'relu' });
    const dil = s.dw('dil', stem, { kernel: [3, 3], dilation: [2, 2] });
    const pw = s.conv('pw', dil, 8, { kernel: [1, 1], activation: 'relu' });
    const mp = s.pool('mp', 'maxPool', stem, [3, 3], [1, 1], 'same');
    const ap = s.pool('ap', 'avgPool', stem, [3, 3], [1, 1], 'same');
    const sum = s.add('sum', [pw, mp, ap]);
    const cat = s.concat('cat', [sum, stem]);
    const red = s.conv('red', cat, 8, { strides: [2, 2], activation: 'relu' });
    const g = s.gap('gap', red);
    const logits = s.dense('logits', g, 10, 8);
    const err = compareWithReference(s, [red, logits]);
    assert.ok(err < TOLERANCE, `relative L2 ${err}`);
  });
});

describe('writeTflite fp32: file structure', () => {
  before(useCpuBackend);

  function twoOutputGraph(): { graph: ModelGraph; shapes: Map<string, number[]>; s: Sketch } {
    const s = new Sketch([8, 8, 3], 3);
    const state = s.addInput('state_in', [4, 4, 4]);
    const c = s.conv('down', 'input', 4, { strides: [2, 2], activation: 'relu' });
    const d = s.dw('dil', c, { dilation: [2, 2] });
    const sum = s.add('state_out', [d, state]);
    const g = s.gap('gap', sum);
    s.dense('logits', g, 3, 4);
    return { graph: s.graph, shapes: tfjsShapes(s.graph), s };
  }

  it('has the TFL3 identifier, schema version 3, an empty buffer 0 and 16-byte aligned buffers', () => {
    const { graph, shapes } = twoOutputGraph();
    const bytes = writeTflite(graph, { nodes: graph.nodes.map((n) => n.name), inputs: ['input', 'state_in'], outputs: ['state_out', 'logits'] }, shapes);
    assert.equal(new TextDecoder().decode(bytes.subarray(4, 8)), 'TFL3');
    const m = readTflite(bytes);
    assert.equal(m.version, 3);
    assert.equal(m.description, 'tiny');
    assert.deepEqual(m.buffers[0], { offset: -1, length: 0 });
    const withData = m.buffers.filter((b) => b.length > 0);
    assert.ok(withData.length >= 6, `expected weight buffers, found ${withData.length}`);
    for (const b of withData) assert.equal(b.offset % 16, 0, `buffer at byte ${b.offset} is not 16-byte aligned`);
    // Conv filter in OHWI: [cout, kh, kw, cin]; depthwise [1, kh, kw, c]; dense [cout, cin].
    const shapeOf = (name: string) => m.tensors.find((t) => t.name === name)?.shape;
    // Weights have short generated names: the weight is input 1 of the operator writing the node's output.
    const weightShape = (node: string) => {
      const op = m.operators.find((o) => o.outputs.some((i) => m.tensors[i].name === node));
      return op ? m.tensors[op.inputs[1]].shape : undefined;
    };
    assert.deepEqual(weightShape('down'), [4, 3, 3, 3]);
    assert.deepEqual(weightShape('dil'), [1, 3, 3, 4]);
    assert.deepEqual(weightShape('logits'), [3, 4]);
    assert.deepEqual(shapeOf('logits'), [1, 3]);
    assert.deepEqual(shapeOf('input'), [1, 8, 8, 3]);
  });

  it('declares the minimum fp32 op versions (dilated depthwise = 2)', () => {
    const { graph, shapes } = twoOutputGraph();
    const m = readTflite(writeTflite(graph, { nodes: graph.nodes.map((n) => n.name), inputs: ['input', 'state_in'], outputs: ['state_out', 'logits'] }, shapes));
    const versions = Object.fromEntries(m.operatorCodes.map((c) => [c.op, c.version]));
    assert.deepEqual(versions, { CONV_2D: 1, DEPTHWISE_CONV_2D: 2, ADD: 1, AVERAGE_POOL_2D: 1, RESHAPE: 1, FULLY_CONNECTED: 1 });
    const plain = new Sketch([6, 6, 2]);
    plain.dw('d', 'input');
    const p = readTflite(writeTflite(plain.graph, { nodes: ['d'], inputs: ['input'], outputs: ['d'] }, tfjsShapes(plain.graph)));
    assert.deepEqual(p.operatorCodes, [{ op: 'DEPTHWISE_CONV_2D', version: 1 }]);
  });

  it('the runtime refuses an op version newer than TFLite 2.9 knows (so declared versions matter)', () => {
    const s = new Sketch([6, 6, 2]);
    s.conv('c', 'input', 2);
    const part = { nodes: ['c'], inputs: ['input'], outputs: ['c'] };
    const spec = (version: number): ModelSpec => {
      const b = new TfliteGraphBuilder();
      const x = b.addActivation('input', [1, 6, 6, 2], 'FLOAT32');
      const w = b.addConstant('w', [2, 3, 3, 2], 'FLOAT32', new Float32Array(36));
      const bias = b.addConstant('b', [2], 'FLOAT32', new Float32Array(2));
      const y = b.addActivation('c', [1, 6, 6, 2], 'FLOAT32');
      b.addOperator('CONV_2D', version, [x, w, bias], [y], { kind: 'Conv2DOptions', padding: 'SAME', strideH: 1, strideW: 1, activation: 'NONE', dilationH: 1, dilationW: 1 });
      return b.toSpec({ description: 'v', subgraphName: 'main', inputs: [{ name: 'input', tensorIndex: x }], outputs: [{ name: 'c', tensorIndex: y }] });
    };
    assert.ok(loadTflite(encodeModel(spec(1))));
    assert.throws(() => loadTflite(encodeModel(spec(99))), (e: unknown) => isRanasError(e, 'E_TFLITE_RUNTIME') && /version/i.test(e.message));
    assert.ok(loadTflite(writeTflite(s.graph, part, tfjsShapes(s.graph))));
  });

  it('names inputs and outputs after IR tensors, in part order, with a serving_default signature', () => {
    const { graph, shapes, s } = twoOutputGraph();
    const nodes = graph.nodes.map((n) => n.name);
    for (const outputs of [['state_out', 'logits'], ['logits', 'state_out']]) {
      const bytes = writeTflite(graph, { nodes, inputs: ['state_in', 'input'], outputs }, shapes);
      const m = readTflite(bytes);
      assert.deepEqual(m.inputs.map((i) => m.tensors[i].name), ['state_in', 'input']);
      assert.deepEqual(m.outputs.map((i) => m.tensors[i].name), outputs);
      assert.equal(m.signatures.length, 1);
      assert.equal(m.signatures[0].key, 'serving_default');
      assert.deepEqual(m.signatures[0].outputs.map((o) => o.name), outputs);
      assert.deepEqual(m.signatures[0].outputs.map((o) => o.tensorIndex), m.outputs);
      assert.deepEqual(m.signatures[0].inputs.map((o) => o.tensorIndex), m.inputs);

      const session = loadTflite(bytes);
      assert.deepEqual(session.inputs.map((t) => t.name), ['state_in', 'input']);
      assert.deepEqual(session.outputs.map((t) => t.name), outputs);
      const x = s.data([8, 8, 3]);
      const st = s.data([4, 4, 4]);
      const got = session.run({ input: x, state_in: st });
      const want = tfjsForward(graph, nodes, new Map([['input', { data: x, shape: [8, 8, 3] }], ['state_in', { data: st, shape: [4, 4, 4] }]]), outputs);
      for (const name of outputs) assert.ok(relativeL2(got.get(name) ?? [], want.get(name) ?? []) < TOLERANCE, name);
    }
  });

  it('writes a segment (a middle slice of the graph) with its live tensors as inputs and outputs', () => {
    const { graph, shapes, s } = twoOutputGraph();
    // Segment: from 'down' (computed before) to the logits, handing 'state_out' on.
    const part = { nodes: ['dil', 'state_out', 'gap', 'logits'], inputs: ['down', 'state_in'], outputs: ['state_out', 'logits'] };
    const bytes = writeTflite(graph, part, shapes);
    const down = s.data([4, 4, 4]);
    const st = s.data([4, 4, 4]);
    const got = loadTflite(bytes).run({ down, state_in: st });
    const want = tfjsForward(graph, part.nodes, new Map([['down', { data: down, shape: [4, 4, 4] }], ['state_in', { data: st, shape: [4, 4, 4] }]]), part.outputs);
    for (const name of part.outputs) assert.ok(relativeL2(got.get(name) ?? [], want.get(name) ?? []) < TOLERANCE, name);
  });

  it('hands a part input straight on as an output (a state that skips a segment)', () => {
    const { graph, shapes, s } = twoOutputGraph();
    const part = { nodes: ['gap', 'logits'], inputs: ['state_out', 'state_in'], outputs: ['state_in', 'logits'] };
    const session = loadTflite(writeTflite(graph, part, shapes));
    const so = s.data([4, 4, 4]);
    const si = s.data([4, 4, 4]);
    const got = session.run({ state_out: so, state_in: si });
    assert.deepEqual(Array.from(got.get('state_in') ?? []), Array.from(si));
  });
});

describe('writeTflite: errors name the node', () => {
  before(useCpuBackend);

  it('batchNorm has no lowering: fold batch-norm first', () => {
    const s = new Sketch([4, 4, 2]);
    s.graph.nodes.push({ name: 'bn7', op: 'batchNorm', inputs: ['input'], weights: {}, attrs: { epsilon: 1e-5, momentum: 0.9, affine: true } });
    const shapes = new Map([['bn7', [4, 4, 2]]]);
    assert.throws(
      () => writeTflite(s.graph, { nodes: ['bn7'], inputs: ['input'], outputs: ['bn7'] }, shapes),
      (e: unknown) => isRanasError(e, 'E_TFLITE_NO_LOWERING') && /'bn7'/.test(e.message) && /batchNorm/.test(e.message) && /fold batch-norm first/.test(e.message),
    );
  });

  it('mixedOp has no lowering: search-only op', () => {
    const s = new Sketch([4, 4, 2]);
    s.graph.nodes.push({ name: 'mix3', op: 'mixedOp', inputs: ['input'], weights: {}, attrs: { alpha: 'alpha_normal', row: 0, primitives: ['skip_connect'] } });
    assert.throws(
      () => writeTflite(s.graph, { nodes: ['mix3'], inputs: ['input'], outputs: ['mix3'] }, new Map([['mix3', [4, 4, 2]]])),
      (e: unknown) => isRanasError(e, 'E_TFLITE_NO_LOWERING') && /'mix3'/.test(e.message) && /mixedOp/.test(e.message) && /search-only/.test(e.message),
    );
  });

  it('dilation with stride > 1 is refused', () => {
    const s = new Sketch([8, 8, 2]);
    s.dw('bad_dw', 'input', { dilation: [2, 2], strides: [2, 2] });
    assert.throws(
      () => writeTflite(s.graph, { nodes: ['bad_dw'], inputs: ['input'], outputs: ['bad_dw'] }, new Map([['bad_dw', [4, 4, 2]]])),
      (e: unknown) => isRanasError(e, 'E_TFLITE_UNSUPPORTED') && /'bad_dw'/.test(e.message) && /dilation/.test(e.message),
    );
  });

  it('add of differently shaped inputs (no broadcasting) is refused', () => {
    const s = new Sketch([4, 4, 2]);
    const b = s.addInput('b', [2, 2, 2]);
    s.add('sum9', ['input', b]);
    assert.throws(
      () => writeTflite(s.graph, { nodes: ['sum9'], inputs: ['input', 'b'], outputs: ['sum9'] }, new Map([['sum9', [4, 4, 2]]])),
      (e: unknown) => isRanasError(e, 'E_TFLITE_UNSUPPORTED') && /'sum9'/.test(e.message) && /\[2,2,2\]/.test(e.message),
    );
  });

  it('a shape map that disagrees with the op is refused', () => {
    const s = new Sketch([8, 8, 2]);
    s.conv('c', 'input', 3, { strides: [2, 2] });
    assert.throws(
      () => writeTflite(s.graph, { nodes: ['c'], inputs: ['input'], outputs: ['c'] }, new Map([['c', [8, 8, 3]]])),
      (e: unknown) => isRanasError(e, 'E_TFLITE_UNSUPPORTED') && /'c'/.test(e.message) && /\[4,4,3\]/.test(e.message),
    );
  });

  it('a node reading a tensor outside the part is refused', () => {
    const s = new Sketch([8, 8, 2]);
    const a = s.conv('a', 'input', 3);
    s.conv('b', a, 3);
    assert.throws(
      () => writeTflite(s.graph, { nodes: ['b'], inputs: ['input'], outputs: ['b'] }, tfjsShapes(s.graph)),
      (e: unknown) => isRanasError(e, 'E_TFLITE_INPUT') && /'b' reads 'a'/.test(e.message),
    );
  });
});
