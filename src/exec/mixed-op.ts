/**
 * The `mixedOp` executor (DARTS MixedOp): y = sum_k softmax(alpha[row])_k * x_k over the non-`none`
 * primitives, the softmax over all K primitives of the row (`none` counts in the softmax, adds nothing).
 *
 * Built for kernel count, since the search supernet has one mixed op per cell edge and the tfjs engine pays a
 * fixed cost per kernel call: softmax(alpha) runs once per alpha matrix per forward pass (all rows at once)
 * instead of slice → squeeze → softmax per edge, which also drops the softmax gradient per edge from the
 * backward pass. Each weight is a [1, 1] slice of that matrix and the sum stays K multiplies and one addN, all
 * through tfjs's stock gradients, so a weight step (gradients w.r.t. weights only) computes no alpha gradient:
 * tfjs prunes the backward pass to what the requested variables need. (Splitting the matrix with `unstack`
 * would save kernels but breaks backprop: tfjs's Unpack gradient fails when an output, e.g. `none`'s, gets
 * no gradient.)
 *
 * The softmax is cached per `ExecContext` (one per forward pass) and per alpha value (a variable's `dataId`
 * changes when it is assigned), so a cached value never crosses a pass or an alpha update.
 * Same arithmetic as the composite form (`mixed-op-reference.ts`); `mixed-op.test.ts` compares both.
 */
import { tf } from '../engine/tf.ts';
import { RanasError } from '../errors.ts';
import type { IrNodeOf } from '../ir/types.ts';
import type { ExecContext } from './op-executors.ts';

/** softmax(alpha) over each row, for one alpha value. */
interface CachedSoftmax {
  dataId: object;
  softmax: tf.Tensor2D;
}

const softmaxCache = new WeakMap<ExecContext, Map<string, CachedSoftmax>>();

/** softmax(alpha) row-wise for alpha `name` ([rows, K]), computed once per forward pass and alpha value. */
function rowSoftmax(ctx: ExecContext, name: string, a: tf.Tensor2D): tf.Tensor2D {
  let byName = softmaxCache.get(ctx);
  if (!byName) {
    byName = new Map();
    softmaxCache.set(ctx, byName);
  }
  const hit = byName.get(name);
  if (hit && hit.dataId === a.dataId && !hit.softmax.isDisposed) return hit.softmax;
  const softmax = tf.softmax(a);
  byName.set(name, { dataId: a.dataId, softmax });
  return softmax;
}

/**
 * Indices (into the node's primitives) of its non-`none` primitives, one per input; throws E_IR_ARITY when the
 * node has another number of inputs.
 */
export function presentPrimitives(node: IrNodeOf<'mixedOp'>, inputCount: number): number[] {
  const { primitives } = node.attrs;
  const present = primitives.map((p, k) => (p === 'none' ? -1 : k)).filter((k) => k >= 0);
  if (present.length !== inputCount) {
    throw new RanasError('E_IR_ARITY', `node ${node.name} (mixedOp) has ${inputCount} inputs but ${present.length} non-none primitives in [${primitives.join(', ')}]`, { node: node.name });
  }
  return present;
}

/** The executor of `mixedOp` nodes (signature of `OpExecutor<'mixedOp'>`). */
export function mixedOp(node: IrNodeOf<'mixedOp'>, inputs: tf.Tensor[], ctx: ExecContext): tf.Tensor {
  const { alpha, row, primitives } = node.attrs;
  const present = presentPrimitives(node, inputs.length);
  const a = ctx.weight(alpha);
  if (a.rank !== 2 || a.shape[1] !== primitives.length || row < 0 || row >= a.shape[0]) {
    throw new RanasError('E_IR_SHAPE', `node ${node.name} (mixedOp) needs alpha ${alpha} of shape [rows > ${row}, ${primitives.length}], found [${a.shape.join(', ')}]`, { node: node.name });
  }
  const w = rowSoftmax(ctx, alpha, a as tf.Tensor2D);
  const terms = present.map((k, i) => tf.mul(inputs[i], tf.slice(w, [row, k], [1, 1])));
  return terms.length === 1 ? terms[0] : tf.addN(terms);
}
