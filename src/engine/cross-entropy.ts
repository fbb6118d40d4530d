/**
 * Mean softmax cross-entropy over a batch, mean_i −log softmax(logits_i)[label_i], differentiable in the
 * logits. Where the backend registers `SOFTMAX_CROSS_ENTROPY` (tensorflow: TF's
 * SparseSoftmaxCrossEntropyWithLogits, which returns the per-example loss and its gradient in one op) it is one
 * op and a mean forward, two small ops backward; elsewhere the composite oneHot → logSoftmax → mul → sum → neg
 * → mean (about fifteen kernels each way per exit).
 */
import { tf } from './tf.ts';
import { RanasError } from '../errors.ts';

/**
 * Kernel: inputs {logits [N, K] float32, labels [N] int32 class indices}; outputs [loss [N], backprop
 * [N, K] = softmax(logits) − onehot(labels)].
 */
export const SOFTMAX_CROSS_ENTROPY = 'RanasSoftmaxCrossEntropy';

function composite(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
  return tf.mean(tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)));
}

function tensorArg(a: tf.Tensor | tf.GradSaveFunc): tf.Tensor {
  if (a instanceof tf.Tensor) return a;
  throw new RanasError('E_KERNEL_INPUT', 'customGrad passed a non-tensor input');
}

/** Mean cross-entropy of `logits` [N, K] against class indices `labels` [N] (int32). */
export function meanCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  if (!tf.getKernel(SOFTMAX_CROSS_ENTROPY, tf.getBackend())) return composite(logits, labels);
  const indices = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
  const rows = logits.shape[0];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const l = tensorArg(args[0]);
    const save = args[1];
    if (typeof save !== 'function') throw new RanasError('E_KERNEL_INPUT', 'customGrad passes a save function last');
    const out = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits: l, labels: indices });
    if (!Array.isArray(out) || out.length !== 2) throw new RanasError('E_KERNEL_OUTPUT', `${SOFTMAX_CROSS_ENTROPY} returned ${Array.isArray(out) ? out.length : 1} tensors; expected 2`);
    const [loss, backprop] = out;
    save([backprop]);
    return {
      value: tf.mean(loss) as tf.Scalar,
      // d mean / d logits = backprop / N, scaled by the incoming scalar gradient.
      gradFunc: (dy: tf.Tensor, [bp]: tf.Tensor[]) => tf.mul(bp, tf.div(dy, rows)),
    };
  });
  return f(logits) as tf.Scalar;
}
