/**
 * Test-only fp32 reference for IR parts: each node through tfjs-core's cpu backend ops (float32), plus a
 * tiny shape inference. Stands in for core's `referenceForward` / `src/ir` shape inference in the
 * writer's own tests; it handles the ops the exporter lowers (no batchNorm, no mixedOp).
 */
import { tf } from '../../../src/engine/tf.ts';
import type { IrNode, ModelGraph } from '../../../src/ir/types.ts';
import { RanasError } from '../../../src/errors.ts';

let ready: Promise<void> | undefined;

/** Switches the shared tfjs-core to the plain JS cpu backend (deterministic float32). */
export function useCpuBackend(): Promise<void> {
  ready ??= (async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}

function weight(graph: ModelGraph, name: string | undefined): tf.Tensor {
  if (name === undefined) throw new RanasError('E_TEST', 'tfjs reference: missing weight');
  const w = graph.weights[name];
  return tf.tensor(w.data, w.shape);
}

function run(graph: ModelGraph, node: IrNode, xs: tf.Tensor[]): tf.Tensor {
  switch (node.op) {
    case 'conv2d': {
      const a = node.attrs;
      let y: tf.Tensor4D = tf.conv2d(xs[0] as tf.Tensor4D, weight(graph, node.weights.filter) as tf.Tensor4D, a.strides, a.padding, 'NHWC', a.dilation);
      if (node.weights.bias) y = tf.add(y, weight(graph, node.weights.bias));
      return a.activation === 'relu' ? tf.relu(y) : y;
    }
    case 'depthwiseConv2d': {
      const a = node.attrs;
      let y: tf.Tensor4D = tf.depthwiseConv2d(xs[0] as tf.Tensor4D, weight(graph, node.weights.filter) as tf.Tensor4D, a.strides, a.padding, 'NHWC', a.dilation);
      if (node.weights.bias) y = tf.add(y, weight(graph, node.weights.bias));
      return a.activation === 'relu' ? tf.relu(y) : y;
    }
    case 'relu':
      return tf.relu(xs[0]);
    case 'add': {
      const y = tf.addN(xs);
      return node.attrs.activation === 'relu' ? tf.relu(y) : y;
    }
    case 'concat':
      return tf.concat(xs, -1);
    case 'maxPool':
      return tf.maxPool(xs[0] as tf.Tensor4D, node.attrs.kernel, node.attrs.strides, node.attrs.padding);
    case 'avgPool':
      return tf.avgPool(xs[0] as tf.Tensor4D, node.attrs.kernel, node.attrs.strides, node.attrs.padding);
    case 'globalAvgPool':
      return tf.mean(xs[0], [1, 2]);
    case 'dense': {
      let y = tf.matMul(tf.reshape(xs[0], [1, -1]), weight(graph, node.weights.kernel) as tf.Tensor2D);
      if (node.weights.bias) y = tf.add(y, weight(graph, node.weights.bias));
      return node.attrs.activation === 'relu' ? tf.relu(y) : y;
    }
    case 'batchNorm':
    case 'mixedOp':
      throw new RanasError('E_TEST', `reference does not run ${node.op}`);
  }
}

/** Runs `nodes` of `graph` from `inputs` (batch-1 NHWC data by name) and returns the `wanted` tensors. */
export function tfjsForward(graph: ModelGraph, nodes: string[], inputs: Map<string, { data: Float32Array; shape: number[] }>, wanted: string[]): Map<string, Float32Array> {
  tf.engine().startScope();
  try {
    const env = new Map<string, tf.Tensor>();
    for (const [name, v] of inputs) env.set(name, tf.tensor(v.data, [1, ...v.shape]));
    const byName = new Map(graph.nodes.map((n) => [n.name, n]));
    for (const name of nodes) {
      const node = byName.get(name);
      if (!node) throw new RanasError('E_TEST', `no node ${name}`);
      env.set(name, run(graph, node, node.inputs.map((i) => {
        const t = env.get(i);
        if (!t) throw new RanasError('E_TEST', `no tensor ${i}`);
        return t;
      })));
    }
    return new Map(wanted.map((w) => {
      const t = env.get(w);
      if (!t) throw new RanasError('E_TEST', `no tensor ${w}`);
      return [w, Float32Array.from(t.dataSync())];
    }));
  } finally {
    tf.engine().endScope();
  }
}

/** Shapes (without batch) of every node output, from a tfjs run on zeros. */
export function tfjsShapes(graph: ModelGraph): Map<string, number[]> {
  tf.engine().startScope();
  try {
    const shapes = new Map<string, number[]>();
    const env = new Map<string, tf.Tensor>();
    for (const i of graph.inputs) {
      env.set(i.name, tf.zeros([1, ...i.shape]));
      shapes.set(i.name, i.shape);
    }
    for (const node of graph.nodes) {
      const y = run(graph, node, node.inputs.map((i) => env.get(i) ?? tf.zeros([1])));
      env.set(node.name, y);
      shapes.set(node.name, y.shape.slice(1));
    }
    return shapes;
  } finally {
    tf.engine().endScope();
  }
}

/** Relative L2 error ||a - b|| / ||b|| (the engine tests' measure). */
export { relativeL2 } from '../../../src/engine/test-support.ts';
