import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IrNode, ModelGraph } from '../src/ir/types.ts';
import type { QuantizedGraph } from './quant-types.ts';
import { lintEdgeTpu, type EdgeTpuRule } from './edgetpu-lint.ts';

/** input [4,4,2] → conv (dilation 1) → maxPool → dense head, fully int8. */
function cleanGraph(): { q: QuantizedGraph; shapes: Map<string, number[]> } {
  const graph: ModelGraph = {
    formatVersion: 1, name: 'lint', meta: {},
    inputs: [{ name: 'x', shape: [4, 4, 2] }],
    nodes: [
      { name: 'conv', op: 'conv2d', inputs: ['x'], attrs: { kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same', filters: 2, activation: 'relu' }, weights: { filter: 'f', bias: 'b' } },
      { name: 'pool', op: 'maxPool', inputs: ['conv'], attrs: { kernel: [2, 2], strides: [2, 2], padding: 'valid' }, weights: {} },
      { name: 'gap', op: 'globalAvgPool', inputs: ['pool'], attrs: {}, weights: {} },
    ],
    exits: [{ index: 0, tensor: 'gap', layer: 1, cumulativeMacs: 1 }],
    weights: {
      f: { shape: [3, 3, 2, 2], data: new Float32Array(36), trainable: true },
      b: { shape: [2], data: new Float32Array(2), trainable: true },
    },
  };
  const act = { scale: 0.1, zeroPoint: -128 };
  const q: QuantizedGraph = {
    graph,
    activations: { x: act, conv: act, pool: act, gap: act },
    weights: { f: { values: new Int8Array(36), scales: new Float32Array(2).fill(0.01), axis: 3 }, b: { values: new Int32Array(2), scales: new Float32Array(2).fill(0.001), axis: 0 } },
  };
  const shapes = new Map([['x', [4, 4, 2]], ['conv', [4, 4, 2]], ['pool', [2, 2, 2]], ['gap', [2]]]);
  return { q, shapes };
}

function rules(q: QuantizedGraph, shapes: Map<string, number[]>): [EdgeTpuRule, string][] {
  return lintEdgeTpu(q, shapes).map((v) => [v.rule, v.node]);
}

function withNode(q: QuantizedGraph, i: number, node: IrNode): QuantizedGraph {
  const nodes = [...q.graph.nodes];
  nodes[i] = node;
  return { ...q, graph: { ...q.graph, nodes } };
}

test('a clean int8 graph has no violations', () => {
  const { q, shapes } = cleanGraph();
  assert.deepEqual(lintEdgeTpu(q, shapes), []);
});

test('a float activation and a float (int32 non-bias) weight are 8-bit violations; int32 bias is allowed', () => {
  const { q, shapes } = cleanGraph();
  const { pool: _dropped, ...activations } = q.activations;
  const bad: QuantizedGraph = { ...q, activations, weights: { ...q.weights, f: { values: new Int32Array(36), scales: new Float32Array(2), axis: 3 } } };
  assert.deepEqual(rules(bad, shapes), [['int8-tensors', 'conv'], ['int8-tensors', 'pool']]);
  const badZp: QuantizedGraph = { ...q, activations: { ...q.activations, gap: { scale: 0.1, zeroPoint: 200 } } };
  assert.deepEqual(rules(badZp, shapes), [['int8-tensors', 'gap']]);
});

test('a dynamic dimension is a static-shape violation', () => {
  const { q, shapes } = cleanGraph();
  shapes.set('pool', [-1, 2, 2]);
  assert.deepEqual(rules(q, shapes), [['static-shape', 'pool']]);
});

test('an input with batch 4 is a batch-one violation', () => {
  const { q, shapes } = cleanGraph();
  const bad: QuantizedGraph = { ...q, graph: { ...q.graph, inputs: [{ name: 'x', shape: [4, 4, 4, 2] }] } };
  assert.deepEqual(rules(bad, shapes), [['batch-one', 'x']]);
});

test('a tensor with 4 non-unit dimensions is a violation; unit dimensions do not count', () => {
  const { q, shapes } = cleanGraph();
  shapes.set('conv', [4, 4, 2, 2]);
  shapes.set('pool', [1, 2, 2, 2]);
  assert.deepEqual(rules(q, shapes), [['max-3-non-unit-dims', 'conv']]);
});

test('unsupported ops (batchNorm, mixedOp) are violations naming the node', () => {
  const { q, shapes } = cleanGraph();
  const bad = withNode(q, 1, { name: 'pool', op: 'batchNorm', inputs: ['conv'], attrs: { epsilon: 1e-3, momentum: 0.9, affine: false }, weights: {} });
  assert.deepEqual(rules(bad, shapes), [['supported-op', 'pool']]);
  const mixed = withNode(q, 1, { name: 'pool', op: 'mixedOp', inputs: ['conv'], attrs: { alpha: 'a', row: 0, primitives: ['skip_connect'] }, weights: {} });
  assert.match(lintEdgeTpu(mixed, shapes)[0].message, /pool: op mixedOp/);
});

test('a fused activation on pooling is a violation', () => {
  const { q, shapes } = cleanGraph();
  const attrs = { kernel: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const, activation: 'relu' };
  const bad = withNode(q, 1, { name: 'pool', op: 'maxPool', inputs: ['conv'], attrs, weights: {} });
  assert.deepEqual(rules(bad, shapes), [['no-fused-activation', 'pool']]);
});

test('unequal x/y dilation is a violation', () => {
  const { q, shapes } = cleanGraph();
  const conv = q.graph.nodes[0];
  assert.equal(conv.op, 'conv2d');
  if (conv.op !== 'conv2d') return;
  const bad = withNode(q, 0, { ...conv, attrs: { ...conv.attrs, dilation: [1, 2] } });
  assert.deepEqual(rules(bad, shapes), [['equal-dilation', 'conv']]);
});
