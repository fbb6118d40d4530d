import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGenotype } from '../model/genotype.ts';
import { PRIMITIVE_NAMES } from '../ops/primitives.ts';
import { deriveCellEdges, deriveGenotype, meanEntropy, nearestGenotypes, nodesOfRows } from './derive-genotype.ts';

// Columns: none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5.
// Rows (2 nodes): node 0 reads 0, 1 (rows 0, 1); node 1 reads 0, 1, 2 (rows 2, 3, 4).
const normal = [
  [10, 0, 0, 0, 2, 0, 0, 0], // none dominates: still sep_conv_3x3 (none is never chosen)
  [0, 0, 1, 0, 0, 0, 0, 0], // avg_pool_3x3
  [0, 0, 0, 0, 0, 3, 0, 0], // sep_conv_5x5, strength e³/(e³+7) = 0.74
  [0, 0, 0, 0, 0, 0, 0, 0], // all tied: max_pool_3x3 (first non-none); strength 1/8
  [0, 0, 0, 0, 0, 0, 0, 0], // same strength as row 3: the lower source (state 1) wins the tie
];
const reduce = [
  [0, 0, 0, 2, 2, 0, 0, 0], // skip vs sep3 tie → skip_connect (earlier); weight e²/(2e²+6) = 0.356
  [0, 0, 0, 3, 0, 0, 0, 0], // skip_connect 0.742
  [0, 0, 0, 0, 0, 0, 0, 1], // dil_conv_5x5 0.280
  [5, 0, 0, 0, 0, 0, 0, 0], // none dominates: max_pool 0.0064, weakest
  [0, 0, 0, 2.5, 0, 0, 0, 0], // skip_connect 0.635
];

test('hand-set alphas give the hand-derived genotype (none excluded, ties by primitive order and by source)', () => {
  const g = deriveGenotype({ normal, reduce });
  assert.deepEqual(g.normal, [['sep_conv_3x3', 0], ['avg_pool_3x3', 1], ['sep_conv_5x5', 0], ['max_pool_3x3', 1]]);
  assert.deepEqual(g.reduce, [['skip_connect', 0], ['skip_connect', 1], ['dil_conv_5x5', 0], ['skip_connect', 2]]);
  assert.deepEqual(g.normalConcat, [2, 3]);
  assert.deepEqual(g.reduceConcat, [2, 3]);
  // What we write is what `ranas train --genotype` reads.
  assert.deepEqual(parseGenotype(JSON.parse(JSON.stringify(g))), g);
});

test('the skip cap strikes the weakest chosen skip edges and re-derives', () => {
  // 3 skips, cap 1: row 0 (0.356) loses skip → sep_conv_3x3; then row 4 (0.635) loses skip → max_pool 0.052,
  // still stronger than row 3 (0.0064), so node 1 keeps rows 2 and 4.
  assert.deepEqual(deriveCellEdges(reduce, 1), [['sep_conv_3x3', 0], ['skip_connect', 1], ['dil_conv_5x5', 0], ['max_pool_3x3', 2]]);
  assert.deepEqual(deriveCellEdges(reduce, 3), deriveGenotype({ normal, reduce }).reduce);
});

test('entropy of uniform rows is ln 8; row counts map to node counts', () => {
  assert.ok(Math.abs(meanEntropy([[0, 0, 0, 0, 0, 0, 0, 0]]) - Math.log(8)) < 1e-12);
  assert.ok(meanEntropy(reduce) < Math.log(8));
  assert.equal(nodesOfRows(5), 2);
  assert.equal(nodesOfRows(14), 4);
  assert.throws(() => nodesOfRows(6), /rows/);
});

test('nearest genotypes: the top choice first, then single-op alternatives ranked by the alpha support they give up', () => {
  // 2-node cells: 5 rows x 8 primitives. Row weights decide; one clear runner-up on row 0 (normal).
  const row = (hot: Record<number, number>) => Array.from({ length: 8 }, (_, k) => hot[k] ?? 0);
  const normal = [row({ 3: 3, 4: 2.9 }), row({ 5: 2 }), row({ 6: 2.5 }), row({ 7: 2.2 }), row({ 3: 0.1 })];
  const reduce = [row({ 4: 3 }), row({ 5: 3 }), row({ 6: 3 }), row({ 7: 3 }), row({ 3: 0.1 })];
  const c = nearestGenotypes({ normal, reduce }, 4);
  assert.equal(c.length, 4);
  assert.deepEqual(c[0].genotype, deriveGenotype({ normal, reduce }));
  assert.equal(c[0].supportDrop, 0);
  for (let i = 1; i < c.length; i++) {
    assert.ok(c[i].supportDrop >= c[i - 1].supportDrop, 'ranked by support given up');
    assert.notDeepEqual(c[i].genotype, c[0].genotype);
  }
  // The nearest: normal row 0 switches to its runner-up op (index 4), everything else kept.
  assert.deepEqual(c[1].genotype.normal[0], [PRIMITIVE_NAMES[4], 0]);
  assert.deepEqual(c[1].genotype.reduce, c[0].genotype.reduce);
  assert.equal(c[1].change, 'normal node 0: −skip_connect from 0, +sep_conv_3x3 from 0');
  assert.equal(new Set(c.map((x) => JSON.stringify(x.genotype))).size, c.length, 'distinct');
  assert.equal(nearestGenotypes({ normal, reduce }, 1).length, 1);
});
