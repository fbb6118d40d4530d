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

function install(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Registers (replacing stock kernels) the project kernels of every backend — so a process can switch
 * backends, and the wasm kernels are tested whatever runs — plus the engine's own batch-norm kernels,
 * which no stock backend has. Call after the backend packages are imported (an import re-registers its
 * stock kernels). Returns the names registered for `active`.
 */
export function registerTrainingKernels(active: BackendName): string[] {
  const names: string[] = [];
  for (const backend of ALL_BACKENDS) {
    for (const config of [...KERNELS_FOR[backend](backend), ...batchNormKernelConfigs(backend)]) {
      install(config);
      if (backend === active) names.push(config.kernelName);
    }
  }
  return names;
}
