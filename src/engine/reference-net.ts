/**
 * The engine's fixed reference net (issue 2): 32×32×3 input, stem conv3×3 3→16, 4 residual blocks of
 * relu → depthwise 3×3 → pointwise 1×1 → batch-norm (added to the block input), global average pool,
 * dense 10, softmax cross-entropy. A `ModelRecipe` target, so data-parallel workers can build it.
 */
import { tf } from './tf.ts';
import { conv2d, depthwiseConv2d, type ConvOptions } from './conv.ts';
import type { ModelRecipe, TrainableModel } from './data-parallel-types.ts';
import { mulberry32 } from './seeded-random.ts';
import { batchNormTraining } from './batch-norm.ts';
import { rank4 } from './kernels/conv-attrs.ts';

/** Config of the reference net (structured-cloneable). */
export interface ReferenceNetConfig {
  channels: number;
  blocks: number;
  classes: number;
  /** Batch-norm on (the reference net) or off (for exactness tests of data parallelism). */
  batchNorm: boolean;
  seed: number;
}

/** The default reference net of the issue. */
export const REFERENCE_NET: ReferenceNetConfig = { channels: 16, blocks: 4, classes: 10, batchNorm: true, seed: 1 };

/** The reference net with an inference-mode forward pass for forward throughput. */
export interface ReferenceNet extends TrainableModel {
  /** Logits [N, classes], batch-norm from running statistics. */
  predict(x: tf.Tensor4D): tf.Tensor2D;
}

const SAME: ConvOptions = { strides: [1, 1], padding: 'same', dilation: [1, 1] };
const BN_MOMENTUM = 0.9;
const BN_EPSILON = 1e-3;

/** Builds the net with deterministic He-uniform weights from `config.seed`. */
export function buildReferenceNet(config: ReferenceNetConfig = REFERENCE_NET): ReferenceNet {
  const rand = mulberry32(config.seed);
  const variables = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  const values = (size: number, fanIn: number) => Float32Array.from({ length: size }, () => (rand() * 2 - 1) * Math.sqrt(6 / fanIn));
  const weight = (name: string, shape: [number, number, number, number], fanIn: number) => {
    const v = tf.variable(tf.tensor4d(values(shape[0] * shape[1] * shape[2] * shape[3], fanIn), shape), true);
    variables.set(name, v);
    return v;
  };
  const constant = (into: Map<string, tf.Variable>, name: string, shape: [number], value: number, trainable: boolean) => {
    const v = tf.variable(tf.tensor1d(new Float32Array(shape[0]).fill(value)), trainable);
    into.set(name, v);
    return v;
  };
  const c = config.channels;
  const stem = weight('stem/w', [3, 3, 3, c], 27);
  const blocks = Array.from({ length: config.blocks }, (_, b) => ({
    dw: weight(`block${b}/dw`, [3, 3, c, 1], 9),
    pw: weight(`block${b}/pw`, [1, 1, c, c], c),
    gamma: config.batchNorm ? constant(variables, `block${b}/bn/gamma`, [c], 1, true) : undefined,
    beta: config.batchNorm ? constant(variables, `block${b}/bn/beta`, [c], 0, true) : undefined,
    mean: config.batchNorm ? constant(buffers, `block${b}/bn/mean`, [c], 0, false) : undefined,
    variance: config.batchNorm ? constant(buffers, `block${b}/bn/variance`, [c], 1, false) : undefined,
  }));
  const fcW = tf.variable(tf.tensor2d(values(c * config.classes, c), [c, config.classes]), true);
  variables.set('fc/w', fcW);
  const fcB = constant(variables, 'fc/b', [config.classes], 0, true);

  function forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    let h = conv2d(x, stem, SAME);
    for (const b of blocks) {
      const pre = depthwiseConv2d(tf.relu(h), b.dw, SAME);
      let y: tf.Tensor4D;
      if (!(b.gamma && b.beta && b.mean && b.variance)) {
        y = conv2d(pre, b.pw, SAME);
      } else {
        if (training) {
          y = conv2d(pre, b.pw, SAME);
          const m = batchNormTraining(y, b.gamma, b.beta, BN_EPSILON);
          y = m.y;
          // Running statistics: a side effect outside the gradient (TF's unbiased variance).
          const count = y.shape[0] * y.shape[1] * y.shape[2];
          const unbiased = count > 1 ? count / (count - 1) : 1;
          b.mean.assign(tf.add(tf.mul(b.mean, BN_MOMENTUM), tf.mul(m.mean, 1 - BN_MOMENTUM)));
          b.variance.assign(tf.add(tf.mul(b.variance, BN_MOMENTUM), tf.mul(m.variance, (1 - BN_MOMENTUM) * unbiased)));
        } else {
          // Inference: batch-norm folded into the pointwise conv (scale on its filter, shift as its bias), as
          // the converters do at export; one fused conv+bias kernel instead of conv then batch-norm.
          const scale = tf.div(b.gamma, tf.sqrt(tf.add(b.variance, BN_EPSILON)));
          const bias = tf.sub(b.beta, tf.mul(b.mean, scale));
          y = tf.fused.conv2d({ x: pre, filter: rank4(tf.mul(b.pw, scale)), strides: 1, pad: 'same', bias });
        }
      }
      h = tf.add(h, y);
    }
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(pooled, fcW), fcB);
  }

  return {
    variables,
    buffers,
    loss(x, labels) {
      const logits = forward(x, true);
      const oneHot = tf.oneHot(tf.cast(labels, 'int32'), config.classes);
      const ce = tf.mean(tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
      return { total: ce, terms: [ce] };
    },
    predict: (x) => tf.tidy(() => forward(x, false)),
    dispose() {
      for (const v of [...variables.values(), ...buffers.values()]) v.dispose();
    },
  };
}

/** The recipe that builds this net in any thread. */
export function referenceNetRecipe(config: ReferenceNetConfig = REFERENCE_NET): ModelRecipe {
  return { module: import.meta.url, exportName: 'buildReferenceNet', config };
}
