import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../ir/builder.ts';
import { validateGraph } from '../ir/validate.ts';
import { mergeCommonNodes } from './merge-common-nodes.ts';

/** x → two relus of x, each pooled alike, each conv'd; a third relu of a pooled relu (a chain); two adds. */
function sample() {
  const b = new GraphBuilder('cse', 1);
  const x = b.input('x', [8, 8, 4]);
  const r1 = b.relu(x, 'r1');
  const r2 = b.relu(x, 'r2');
  const p1 = b.maxPool(r1, 3, 1, 'same', 'p1');
  const p2 = b.maxPool(r2, 3, 1, 'same', 'p2');
  const p3 = b.maxPool(r2, 5, 1, 'same', 'p3'); // other kernel: kept
  const q1 = b.relu(p1, 'q1');
  const q2 = b.relu(p2, 'q2'); // same as q1 once p2 → p1
  const c1 = b.conv(q1, 4, { kernel: 1, name: 'c1' });
  const c2 = b.conv(q2, 4, { kernel: 1, name: 'c2' }); // weights: kept
  const s1 = b.add([c1, c2], 's1');
  const s2 = b.add([c1, c2], 's2'); // add: never merged (drop-path masks are per node)
  const g = b.globalAvgPool(b.add([s1, s2, b.avgPool(p3, 3, 1, 'same', 'a')], 'sum'), 'gap');
  b.exit(b.dense(g, 3, 'fc'), 1);
  return b.build();
}

test('repeated pure nodes go, chains of repeats go, weighted nodes and adds stay, readers are rewired', () => {
  const before = sample();
  const { graph, replaced } = mergeCommonNodes(before);
  validateGraph(graph);
  assert.deepEqual([...replaced.entries()].map(([from, to]) => `${from}→${to}`).sort(), ['p2→p1', 'q2→q1', 'r2→r1']);
  const names = graph.nodes.map((n) => n.name);
  for (const kept of ['r1', 'p1', 'p3', 'q1', 'c1', 'c2', 's1', 's2']) assert.ok(names.includes(kept), kept);
  const node = (n: string) => graph.nodes.find((x) => x.name === n);
  assert.deepEqual(node('c2')?.inputs, ['q1']);
  assert.deepEqual(node('p3')?.inputs, ['r1']);
  assert.equal(graph.nodes.length, before.nodes.length - 3);
  assert.deepEqual(graph.weights, before.weights);
});

test('a non-affine batch-norm repeated on one tensor goes with its buffers; an affine one stays', () => {
  const b = new GraphBuilder('bn', 1);
  const x = b.input('x', [4, 4, 2]);
  const p = b.avgPool(x, 3, 1, 'same', 'p');
  const n1 = b.bn(p, { affine: false, name: 'n1' });
  const n2 = b.bn(p, { affine: false, name: 'n2' });
  const a1 = b.bn(p, { affine: true, name: 'a1' });
  const a2 = b.bn(p, { affine: true, name: 'a2' });
  b.exit(b.dense(b.globalAvgPool(b.add([n1, n2, a1, a2], 'sum'), 'gap'), 2, 'fc'), 1);
  const before = b.build();
  const { graph, replaced, droppedWeights } = mergeCommonNodes(before);
  validateGraph(graph);
  assert.deepEqual([...replaced], [['n2', 'n1']]);
  const n2Weights = Object.values(before.nodes.find((n) => n.name === 'n2')?.weights ?? {});
  assert.equal(n2Weights.length, 2, 'running mean and variance');
  assert.deepEqual(droppedWeights.sort(), [...n2Weights].sort());
  assert.deepEqual(Object.keys(graph.weights).sort(), Object.keys(before.weights).filter((w) => !n2Weights.includes(w)).sort());
  assert.deepEqual(graph.nodes.find((n) => n.name === 'sum')?.inputs, ['n1', 'n1', 'a1', 'a2']);
});

test('an exit reading a dropped node reads the kept one; a graph without repeats is unchanged', () => {
  const b = new GraphBuilder('exit', 1);
  const x = b.input('x', [4, 4, 2]);
  const g1 = b.globalAvgPool(x, 'g1');
  const g2 = b.globalAvgPool(x, 'g2');
  b.exit(b.dense(g1, 2, 'fc1'), 1);
  b.exit(g2, 2);
  const { graph, replaced } = mergeCommonNodes(b.build());
  assert.deepEqual([...replaced], [['g2', 'g1']]);
  assert.deepEqual(graph.exits.map((e) => e.tensor), ['fc1', 'g1']);
  const again = mergeCommonNodes(graph);
  assert.equal(again.replaced.size, 0);
  assert.deepEqual(again.graph.nodes, graph.nodes);
});
