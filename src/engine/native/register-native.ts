/**
 * Registers the native kernels on the tensorflow backend (replacing the engine's JS batch-norm kernels
 * there) and routes ReLU's gradient through `ReluGrad` while tensorflow is the active backend (other
 * backends keep tfjs-core's gradient).
 */
import { tf } from '../tf.ts';
import { RELU_GRAD, nativeKernelConfigs } from './native-kernels.ts';

let stockReluGradient: tf.GradConfig | undefined;

function reluGradient(stock: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== 'tensorflow') return stock.gradFunc(dy, saved, attrs);
      const [x] = saved;
      if (Array.isArray(dy)) throw new Error('Relu has one output');
      return {
        x: () => {
          const dx = tf.engine().runKernel(RELU_GRAD, { dy, x });
          if (Array.isArray(dx)) throw new Error(`${RELU_GRAD} has one output`);
          return dx;
        },
      };
    },
  };
}

/** Registers the native kernels and the ReLU gradient (idempotent); returns the kernel names. */
export function registerNativeKernels(): string[] {
  const names: string[] = [];
  for (const config of nativeKernelConfigs('tensorflow')) {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    names.push(config.kernelName);
  }
  if (!stockReluGradient) {
    const stock = tf.getGradient(tf.Relu);
    if (stock) {
      stockReluGradient = stock;
      tf.registerGradient(reluGradient(stock));
    }
  }
  return names;
}
