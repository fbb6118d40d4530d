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
  wasm: (name) => [...trainingKernelConfigs(name), ...batchNormKernelConfigs(name)],
  // Stock cpu and tensorflow keep their conv kernels; the engine's own kernels (batch norm) are added.
  cpu: batchNormKernelConfigs,
  tensorflow: batchNormKernelConfigs,
};

/** Registers (replacing any stock kernel) the project kernels for `backend`; returns their names. */
export function registerTrainingKernels(backend: BackendName): string[] {
  const names: string[] = [];
  for (const config of KERNELS_FOR[backend](backend)) {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    names.push(config.kernelName);
  }
  return names;
}
