import assert from 'node:assert/strict';
import { test } from 'node:test';
import { genotypeHash, parseGenotype } from './genotype.ts';
import { DERIVABLE_PRIMITIVES, randomGenotype } from './random-genotype.ts';

test('random genotypes are valid, reproducible from their seed, and differ across seeds', () => {
  const a = randomGenotype(7, 2);
  assert.deepEqual(randomGenotype(7, 2), a);
  assert.deepEqual(parseGenotype(JSON.parse(JSON.stringify(a))), a);
  const hashes = new Set(Array.from({ length: 20 }, (_, s) => genotypeHash(randomGenotype(s, 2))));
  assert.ok(hashes.size >= 19, `20 seeds gave ${hashes.size} distinct genotypes`);
});

test('every node reads two distinct earlier states, with non-none ops, and every primitive is drawn', () => {
  const seen = new Set<string>();
  for (let s = 0; s < 200; s++) {
    const g = randomGenotype(s, 4);
    for (const edges of [g.normal, g.reduce]) {
      assert.equal(edges.length, 8);
      for (let i = 0; i < 4; i++) {
        const [a, b] = [edges[2 * i], edges[2 * i + 1]];
        assert.ok(a[1] !== b[1] && a[1] <= i + 1 && b[1] <= i + 1, `node ${i} reads ${a[1]}, ${b[1]}`);
        for (const [op] of [a, b]) seen.add(op);
      }
    }
    assert.deepEqual(g.normalConcat, [2, 3, 4, 5]);
  }
  assert.deepEqual([...seen].sort(), [...DERIVABLE_PRIMITIVES].sort());
});
