import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from './builder.ts';
import { pruneToExits } from './prune.ts';
import { validateGraph } from './validate.ts';

test('pruneToExits drops nodes and weights no exit depends on, keeps the rest in order', () => {
  const b = new GraphBuilder('p', 0);
  const x = b.input('image', [4, 4, 2]);
  const live = b.conv(x, 3, { kernel: 1, name: 'live' });
  b.bn(b.conv(x, 3, { kernel: 3, name: 'dead' }), { name: 'deadbn' });
  b.exit(b.dense(b.globalAvgPool(live), 2, 'logits'), 1);
  const g = pruneToExits(b.build());
  validateGraph(g);
  assert.deepEqual(g.nodes.map((n) => n.name), ['live', 'gap', 'logits']);
  assert.deepEqual(Object.keys(g.weights).sort(), ['live/filter', 'logits/bias', 'logits/kernel']);
});
