/**
 * The textbook form of the `mixedOp` executor, kept as the reference the fast one (`mixed-op.ts`) is tested
 * against: per node, softmax of its alpha row, then one slice and multiply per non-`none` input and an addN,
 * all through tfjs's stock gradients.
 */
import { tf } from '../engine/tf.ts';
import type { IrNodeOf } from '../ir/types.ts';
import type { ExecContext } from './op-executors.ts';
import { presentPrimitives } from './mixed-op.ts';

/** sum_k softmax(alpha[row])_k * input_k over the non-`none` primitives (softmax over all K). */
export function compositeMixedOp(node: IrNodeOf<'mixedOp'>, inputs: tf.Tensor[], ctx: ExecContext): tf.Tensor {
  const { alpha, row, primitives } = node.attrs;
  const present = presentPrimitives(node, inputs.length);
  const a = ctx.weight(alpha);
  const w = tf.softmax(tf.squeeze(tf.slice(a, [row, 0], [1, primitives.length]), [0]));
  const terms = present.map((k, i) => tf.mul(inputs[i], tf.slice(w, [k], [1])));
  return terms.length === 1 ? terms[0] : tf.addN(terms);
}
