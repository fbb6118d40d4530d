import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../src/errors.ts';
import { foldBatchNorm } from './passes/fold-batch-norm.ts';
import { fuseRelu } from './passes/fuse-relu.ts';
import { calibrate } from './quantize/calibrate.ts';
import { quantizeTensor } from './quantize/quant-params.ts';
import { quantizeGraph } from './quantize/quantize.ts';
import { integerForward, integerForwardFeeds } from './reference/integer-forward.ts';
import { referenceForward, referenceForwardFeeds } from './reference/reference-forward.ts';
import { GraphBuilder, multiExitGraph, randomImage } from './reference/test-graphs.ts';
import { cutSegments } from './segments.ts';

function withDeadBranch() {
  const g = multiExitGraph(21);
  // a node no exit needs
  g.nodes.push({ name: 'dead', op: 'relu', inputs: ['l3/s2/relu'], attrs: {}, weights: {} });
  return g;
}

test('segments partition the nodes the exits need, in graph order, with live tensors as inputs/outputs', () => {
  const g = withDeadBranch();
  const segs = cutSegments(g);
  assert.equal(segs.length, 3);
  const all = segs.flatMap((s) => s.nodes);
  assert.equal(new Set(all).size, all.length, 'no node in two segments');
  assert.deepEqual(new Set(all), new Set(g.nodes.map((n) => n.name).filter((n) => n !== 'dead')));
  const pos = new Map(g.nodes.map((n, i) => [n.name, i]));
  for (const s of segs) {
    assert.deepEqual(s.nodes, [...s.nodes].sort((a, b) => (pos.get(a) as number) - (pos.get(b) as number)));
    assert.equal(s.outputs[s.outputs.length - 1], s.exitTensor);
    assert.equal(s.exitTensor, g.exits[s.index].tensor);
  }
  assert.deepEqual(segs[0].inputs, ['image']);
  // every input of a later segment is handed on by an earlier one (or is the graph input)
  segs.forEach((s, k) => {
    for (const t of s.inputs) {
      if (t === 'image') continue;
      assert.ok(segs.slice(0, k).some((p) => p.outputs.includes(t)), `segment ${k} input ${t}`);
    }
  });
  // the scale-1 and scale-2 states cross cut 0; exit 1 reads scale 2 only, so layer 2's scale-1 cell is
  // computed in segment 2, which takes the layer-1 scale-1 state (kept across segment 1) and layer 2's scale 2
  assert.deepEqual(segs[0].outputs, ['l1/s1/relu', 'l1/s2/relu', 'exit0/fc']);
  assert.deepEqual(segs[1].inputs, ['l1/s1/relu', 'l1/s2/relu']);
  assert.deepEqual(segs[1].outputs, ['l2/s2/cell/out', 'exit1/fc']);
  assert.deepEqual(segs[2].inputs, ['l1/s1/relu', 'l2/s2/cell/out']);
  assert.ok(segs[2].nodes.includes('l2/s1/cell/out'));
});

test('chaining the fp32 segments reproduces every exit exactly', () => {
  const g = fuseRelu(foldBatchNorm(withDeadBranch()));
  const segs = cutSegments(g);
  for (const seed of [1, 2]) {
    const img = randomImage([8, 8, 3], seed);
    const mono = referenceForward(g, img, g.exits.map((e) => e.tensor));
    const live = new Map([['image', img]]);
    for (const s of segs) {
      const out = referenceForwardFeeds(g, new Map(s.inputs.map((t) => [t, live.get(t) as Float32Array])), s.outputs);
      // a segment computes only its own nodes from its inputs
      for (const [t, v] of out) live.set(t, v);
      assert.deepEqual(out.get(s.exitTensor), mono.get(s.exitTensor), `exit ${s.index}`);
    }
  }
});

test('int8: a tensor crossing a cut has one quantisation and chained segments equal the monolithic graph bit for bit', () => {
  const g = fuseRelu(foldBatchNorm(multiExitGraph(22)));
  const imgs = [1, 2, 3, 4, 5, 6].map((s) => randomImage([8, 8, 3], s));
  const q = quantizeGraph(g, calibrate(g, imgs, { method: 'minmax', minImages: 6 }));
  const segs = cutSegments(g);
  for (const img of imgs.slice(0, 3)) {
    const xq = quantizeTensor(img, q.activations.image);
    const mono = integerForward(q, xq, g.exits.map((e) => e.tensor));
    const live = new Map([['image', xq]]);
    for (const s of segs) {
      for (const t of s.inputs) {
        const producer = segs.find((p) => p.outputs.includes(t));
        // the producing segment writes t in the same parameters the consuming one reads it in
        assert.ok(t === 'image' || (producer && q.activations[t] === q.activations[producer.outputs[producer.outputs.indexOf(t)]]));
      }
      const out = integerForwardFeeds(q, new Map(s.inputs.map((t) => [t, live.get(t) as Int8Array])), s.outputs);
      for (const [t, v] of out) live.set(t, v);
      assert.deepEqual(out.get(s.exitTensor), mono.get(s.exitTensor), `exit ${s.index}`);
    }
  }
});

test('bad input: no exits, or an exit computed before its segment, is an error naming the exit', () => {
  const b = new GraphBuilder('x', [4, 4, 2]);
  const v = b.dense('fc', b.gap('g', 'x'), 2);
  assert.throws(() => cutSegments(b.build()), (e: unknown) => isRanasError(e, 'E_SEGMENT_NO_EXITS'));
  b.exit(v, 1);
  b.exit(v, 2);
  assert.throws(() => cutSegments(b.build()), (e: unknown) => isRanasError(e, 'E_SEGMENT_EXIT') && e.details.exit === 1);
});
