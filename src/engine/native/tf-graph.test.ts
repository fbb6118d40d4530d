/**
 * The graph addon through its wrapper: a small graph's values and symbolic gradients computed by hand, typed
 * errors naming TensorFlow's complaint, and the raw addon refusing one handle kind where the other is expected
 * (a session is not a graph). Skipped when the addon is not built (the native engine's tests say why).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { isRanasError } from '../../errors.ts';
import { findGraphAddon } from './graph-addon-build.ts';
import { graphAddonAvailable, TfGraph } from './tf-graph.ts';

it('a conv, its sum and its gradients: values as computed by hand', (t) => {
  if (!graphAddonAvailable()) return t.skip('graph addon not built (ranas setup native)');
  const g = new TfGraph();
  const x = g.placeholder('float32', [-1, 4, 4, 2], 'x');
  const w = g.constF32([1, 2, 3, 4, 5, 6], [1, 1, 2, 3], 'w');
  const y = g.out('Conv2D', [x, w], [['T', 'type', 'float32'], ['strides', 'ints', [1, 1, 1, 1]], ['padding', 'string', 'SAME']]);
  const sum = g.out('Sum', [y, g.constI32([0, 1, 2, 3])], [['T', 'type', 'float32'], ['Tidx', 'type', 'int32']]);
  assert.deepEqual(g.shape(y), [-1, 4, 4, 3]);
  const [dx, dw] = g.gradients([sum], [x, w]);
  assert.ok(dx && dw);
  const s = g.session(1, 1);
  const [total, gx, gw] = s.run([{ at: x, shape: [1, 4, 4, 2], data: new Float32Array(32).fill(1) }], [sum, dx, dw]);
  // 16 pixels × (channel 0: 1+3+5 ... as [cin, cout] = [[1,2,3],[4,5,6]]) → 16 × 21
  assert.equal(total.data[0], 336);
  assert.deepEqual([...gx.data.slice(0, 2)], [6, 15], 'd sum / d x = the filter row sums');
  assert.deepEqual([...gw.data], [16, 16, 16, 16, 16, 16], 'd sum / d w = 16 pixels of ones');
  s.close();
  assert.throws(() => s.run([], [sum]), (e: unknown) => isRanasError(e, 'E_TF_GRAPH') && /closed/.test(String(e)));
});

it('TensorFlow\'s refusals become E_TF_GRAPH naming the op and the reason', (t) => {
  if (!graphAddonAvailable()) return t.skip('graph addon not built (ranas setup native)');
  const g = new TfGraph();
  const x = g.placeholder('float32', [2, 2], 'x');
  assert.throws(() => g.op('Conv2D', [x], []), (e: unknown) => isRanasError(e, 'E_TF_GRAPH') && /Conv2D/.test(String(e)) && /inputs/.test(String(e)));
  assert.throws(() => g.op('NoSuchOp', [x], []), (e: unknown) => isRanasError(e, 'E_TF_GRAPH') && /NoSuchOp/.test(String(e)));
  const s = g.session(1, 1);
  assert.throws(() => s.run([{ at: x, shape: [3, 2], data: new Float32Array(5) }], [x]), (e: unknown) => isRanasError(e, 'E_TF_GRAPH') && /element count/.test(String(e)));
  s.close();
});

it('the raw addon refuses a session where a graph is expected and the reverse', (t) => {
  const path = graphAddonAvailable() ? findGraphAddon() : undefined;
  if (!path) return t.skip('graph addon not built (ranas setup native)');
  const raw: Record<string, (...a: unknown[]) => unknown> = createRequire(import.meta.url)(path);
  const graph = raw.newGraph();
  const session = raw.newSession(graph, 1, 1);
  assert.throws(() => raw.addOp(session, 'Placeholder', 'p', [], []), /expected \(graph/);
  assert.throws(() => raw.run(graph, [], [], []), /expected \(session/);
  assert.throws(() => raw.closeSession({}), /expected a session/);
  raw.closeSession(session);
});
