/**
 * Registers the native kernels on the tensorflow backend and replaces two of tfjs-core's gradients while
 * tensorflow is the active backend (other backends keep the stock gradient):
 * - ReLU: one `ReluGrad` instead of step(x) and a multiply;
 * - Mean: dy/count tiled over the reduced axes, where the stock gradient fills a full-size ones tensor
 *   in JavaScript (about 9 % of a reference-net training step), uploads it and multiplies by it.
 */
import { tf } from '../tf.ts';
import { RanasError } from '../../errors.ts';
import { RELU_GRAD, nativeKernelConfigs } from './native-kernels.ts';

type GradFunc = tf.GradConfig['gradFunc'];

function oneDy(dy: tf.Tensor | tf.Tensor[], kernel: string): tf.Tensor {
  if (Array.isArray(dy)) throw new RanasError('E_KERNEL_INPUT', `${kernel} gradient: got ${dy.length} output gradients; expected one`);
  return dy;
}

const reluGradient: GradFunc = (dy, [x]) => ({
  x: () => {
    const dx = tf.engine().runKernel(RELU_GRAD, { dy: oneDy(dy, tf.Relu), x });
    if (Array.isArray(dx)) throw new RanasError('E_KERNEL_OUTPUT', `${RELU_GRAD} returned ${dx.length} tensors; expected one`);
    return dx;
  },
});

const meanGradient: GradFunc = (dy, [x], attrs) => {
  const axis = attrs.axis ?? x.shape.map((_, i) => i); // null: every axis
  if (typeof axis !== 'number' && !(Array.isArray(axis) && axis.every((a) => typeof a === 'number'))) {
    throw new RanasError('E_KERNEL_ATTR', `${tf.Mean} gradient: axis is ${JSON.stringify(axis)}; expected null, a number or a list of numbers`);
  }
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const reps = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return { x: () => tf.tile(tf.div(tf.reshape(oneDy(dy, tf.Mean), kept), count), reps) };
};

/** Gradients used while tensorflow is the active backend, by kernel name. */
const NATIVE_GRADIENTS: Readonly<Record<string, GradFunc>> = { [tf.Relu]: reluGradient, [tf.Mean]: meanGradient };

const replaced = new Set<string>();

/** The stock gradient config of `kernelName` with its gradFunc switched by the active backend. */
function switched(stock: tf.GradConfig, native: GradFunc): tf.GradConfig {
  return { ...stock, gradFunc: (dy, saved, attrs) => (tf.getBackend() === 'tensorflow' ? native : stock.gradFunc)(dy, saved, attrs) };
}

/** Registers the native kernels and gradients (idempotent); returns the kernel names. */
export function registerNativeKernels(): string[] {
  const names: string[] = [];
  for (const config of nativeKernelConfigs('tensorflow')) {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    names.push(config.kernelName);
  }
  for (const [kernelName, native] of Object.entries(NATIVE_GRADIENTS)) {
    const stock = tf.getGradient(kernelName);
    if (replaced.has(kernelName) || !stock) continue;
    replaced.add(kernelName);
    tf.registerGradient(switched(stock, native));
  }
  return names;
}
