// The fast mixedOp executor against the textbook one (mixed-op-reference.ts): outputs and gradients.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../engine/tf.ts';
import { relativeL2 } from '../engine/test-support.ts';
import { initEngine } from '../engine/backend.ts';
import type { IrNodeOf } from '../ir/types.ts';
import { Rng } from '../rng.ts';
import { mixedOp } from './mixed-op.ts';
import { compositeMixedOp } from './mixed-op-reference.ts';
import type { ExecContext } from './op-executors.ts';

before(async () => { await initEngine(); });


const PRIMS = ['max_pool_3x3', 'none', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3'];

function ctxOf(alpha: tf.Tensor): ExecContext {
  return { training: true, weight: () => alpha, assignBuffer: () => {}, holdUntilNextStep: () => {}, constant: (kind, n) => (kind === 'ones' ? tf.ones([n]) : tf.zeros([n])) };
}

/** Loss Σ r ⊙ Σ_e mixed_e over three edges sharing one alpha (rows 0..2), and its gradients. */
function run(exec: typeof mixedOp, alpha: tf.Variable, xs: tf.Variable[][], r: tf.Tensor) {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const ctx = ctxOf(alpha);
      const ys = xs.map((ins, row) => {
        const node: IrNodeOf<'mixedOp'> = { name: `m${row}`, op: 'mixedOp', inputs: [], weights: {}, attrs: { alpha: 'a', row, primitives: PRIMS } };
        return exec(node, ins, ctx);
      });
      return tf.sum(tf.mul(tf.addN(ys), r)) as tf.Scalar;
    }, [alpha, ...xs.flat()]);
    return { loss: value.dataSync()[0], grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync()])) };
  });
}

test('fast mixedOp = composite mixedOp: value and gradients w.r.t. every input and alpha (none in the middle)', () => {
  const rng = new Rng(7);
  const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => rng.normal()), shape);
  const alpha = tf.variable(rand([4, PRIMS.length]), true, 'mixed-op-test/alpha');
  const xs = [0, 1, 2].map((e) => [0, 1, 2, 3].map((k) => tf.variable(rand([2, 3, 3, 4]), true, `mixed-op-test/x${e}_${k}`)));
  const r = rand([2, 3, 3, 4]);
  const want = run(compositeMixedOp, alpha, xs, r);
  const got = run(mixedOp, alpha, xs, r);
  assert.ok(Math.abs(got.loss - want.loss) <= 1e-5 * Math.abs(want.loss), `loss ${got.loss} vs ${want.loss}`);
  assert.deepEqual(Object.keys(got.grads).sort(), Object.keys(want.grads).sort());
  for (const [name, g] of Object.entries(want.grads)) {
    const e = relativeL2(got.grads[name], g);
    assert.ok(e <= 1e-5, `${name}: relative error ${e}`);
  }
  // Row 3 is read by no edge, and column 1 is `none` (in the softmax, not in the sum): both still get gradient
  // through the softmax of the rows that are read, and none for the unread row.
  const dAlpha = got.grads['mixed-op-test/alpha'];
  assert.ok(Math.abs(dAlpha[1]) > 0, 'none column of a read row');
  assert.deepEqual([...dAlpha.slice(3 * PRIMS.length)], new Array(PRIMS.length).fill(0));
  tf.dispose([alpha, r, ...xs.flat()]);
});

test('a new alpha value within one pass context is not served from the softmax cache', () => {
  const alpha = tf.variable(tf.tensor2d([[0, 0, 0, 0, 0]]), true, 'mixed-op-test/alpha2');
  const ins = [1, 2, 3, 4].map((v) => tf.fill([1, 1, 1, 1], v));
  const node: IrNodeOf<'mixedOp'> = { name: 'm', op: 'mixedOp', inputs: [], weights: {}, attrs: { alpha: 'a', row: 0, primitives: PRIMS } };
  const ctx = ctxOf(alpha);
  const uniform = mixedOp(node, ins, ctx).dataSync()[0];
  assert.ok(Math.abs(uniform - (1 + 2 + 3 + 4) / 5) < 1e-6, `uniform weights: ${uniform}`);
  alpha.assign(tf.tensor2d([[0, 0, 0, 0, 50]]));
  const peaked = mixedOp(node, ins, ctx).dataSync()[0];
  assert.ok(Math.abs(peaked - 4) < 1e-5, `all weight on the last input: ${peaked}`);
  tf.dispose([alpha, ...ins]);
});
