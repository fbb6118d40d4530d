/**
 * An fp32 reference for converter tests that runs the IR with tfjs-core ops (cpu backend), independent of
 * the writers. Input and outputs in IR layout (NHWC, batch 1 left out).
 */
import { tf } from '../../src/engine/tf.ts';
import type { IrNode, ModelGraph } from '../../src/ir/types.ts';
import { RanasError } from '../../src/errors.ts';

/** Selects the plain JS cpu backend (idempotent). */
export async function useCpuBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
}

function run(graph: ModelGraph, node: IrNode, ins: tf.Tensor[]): tf.Tensor {
  const wt = (name: string | undefined) => {
    if (name === undefined) throw new RanasError('E_TEST', `node ${node.name} lacks a weight`);
    const w = graph.weights[name];
    return tf.tensor(w.data, w.shape);
  };
  const act = (x: tf.Tensor, a: 'none' | 'relu') => (a === 'relu' ? tf.relu(x) : x);
  const addBias = (x: tf.Tensor, bias: string | undefined) => (bias === undefined ? x : tf.add(x, wt(bias)));
  switch (node.op) {
    case 'conv2d': {
      const a = node.attrs;
      const y = tf.conv2d(ins[0] as tf.Tensor4D, wt(node.weights.filter) as tf.Tensor4D, a.strides, a.padding, 'NHWC', a.dilation);
      return act(addBias(y, node.weights.bias), a.activation);
    }
    case 'depthwiseConv2d': {
      const a = node.attrs;
      const y = tf.depthwiseConv2d(ins[0] as tf.Tensor4D, wt(node.weights.filter) as tf.Tensor4D, a.strides, a.padding, 'NHWC', a.dilation);
      return act(addBias(y, node.weights.bias), a.activation);
    }
    case 'relu': return tf.relu(ins[0]);
    case 'add': return act(tf.addN(ins), node.attrs.activation);
    case 'concat': return tf.concat(ins, -1);
    case 'maxPool': return tf.maxPool(ins[0] as tf.Tensor4D, node.attrs.kernel, node.attrs.strides, node.attrs.padding);
    case 'avgPool': return tf.avgPool(ins[0] as tf.Tensor4D, node.attrs.kernel, node.attrs.strides, node.attrs.padding);
    case 'globalAvgPool': return tf.mean(ins[0], [1, 2]);
    case 'dense': return act(addBias(tf.matMul(ins[0] as tf.Tensor2D, wt(node.weights.kernel) as tf.Tensor2D), node.weights.bias), node.attrs.activation);
    default: throw new RanasError('E_TEST', `tf reference has no ${node.op}`);
  }
}

/** Runs the graph on one NHWC image; returns the wanted tensors (batch left out, NHWC). */
export function tfReference(graph: ModelGraph, input: Float32Array, wanted: string[]): Map<string, Float32Array> {
  tf.engine().startScope();
  try {
    const values = new Map<string, tf.Tensor>();
    values.set(graph.inputs[0].name, tf.tensor(input, [1, ...graph.inputs[0].shape]));
    for (const node of graph.nodes) {
      const ins = node.inputs.map((t) => values.get(t) ?? tf.scalar(0));
      values.set(node.name, run(graph, node, ins));
    }
    const out = new Map<string, Float32Array>();
    for (const t of wanted) {
      const v = values.get(t);
      if (v) out.set(t, Float32Array.from(v.dataSync()));
    }
    return out;
  } finally {
    tf.engine().endScope();
  }
}
