/**
 * The project's training kernels per backend. wasm lacks the conv filter gradients and has a slow
 * Conv2DBackpropInput; cpu and tensorflow have correct stock kernels (they stay: the tests use stock cpu
 * as the reference).
 */
import { tf } from '../tf.ts';
import type { BackendName } from '../backend.ts';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.ts';
import { depthwiseBackpropConfigs } from './depthwise-backprop.ts';
import { batchNormKernelConfigs } from './batch-norm-kernels.ts';

/** Every project kernel, built for one backend. */
export function trainingKernelConfigs(backendName: string): tf.KernelConfig[] {
  return [conv2dBackpropFilterConfig(backendName), conv2dBackpropInputConfig(backendName), ...depthwiseBackpropConfigs(backendName)];
}

/** Which project kernels each backend gets. */
const KERNELS_FOR: Record<BackendName, (name: string) => tf.KernelConfig[]> = {
  wasm: trainingKernelConfigs,
  cpu: () => [],
  tensorflow: () => [],
};

const ALL_BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * Registers (replacing any stock kernel) the project kernels for `backend`, and the engine's own kernels
 * (batch norm, which no stock backend has) for every backend so switching backends keeps them; returns
 * the names registered for `backend`.
 */
export function registerTrainingKernels(backend: BackendName): string[] {
  const names: string[] = [];
  for (const other of ALL_BACKENDS) {
    for (const config of batchNormKernelConfigs(other)) {
      if (!tf.getKernel(config.kernelName, other)) tf.registerKernel(config);
      if (other === backend) names.push(config.kernelName);
    }
  }
  for (const config of KERNELS_FOR[backend](backend)) {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    names.push(config.kernelName);
  }
  return names;
}
