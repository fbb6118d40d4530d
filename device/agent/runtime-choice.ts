/**
 * Which runtime runs a bundle: the manifest's (TFLite or ONNX Runtime), the Coral Edge TPU for int8 TFLite
 * bundles when asked, or a runtime given by the caller (tests: the fake runtime).
 */
import os from 'node:os';
import type { BundleRuntime } from '../../src/bundle-format/manifest.ts';
import { RanasError } from '../../src/errors.ts';
import { edgeTpuRuntime, findEdgeTpuLibrary } from '../runtimes/edgetpu.ts';
import { onnxRuntime } from '../runtimes/onnx-runtime.ts';
import type { Runtime, RuntimeOptions } from '../runtimes/runtime.ts';
import { tfliteRuntime } from '../runtimes/tflite-runtime.ts';
import type { InstalledBundle } from '../store/store.ts';

/** Runtime of each bundle runtime name. */
const RUNTIMES: Record<BundleRuntime, (o: RuntimeOptions) => Runtime> = { tflite: tfliteRuntime, onnx: onnxRuntime };

/** What the agent was asked to run bundles on. */
export interface RuntimeChoice {
  /** Run TFLite bundles on the Coral Edge TPU (E_EDGETPU_UNAVAILABLE when libedgetpu is absent). */
  edgetpu?: boolean;
  /** Runtime to use for every bundle instead of the manifest's (tests: the fake runtime), or one per thread count. */
  runtime?: Runtime | ((threads: number) => Runtime);
  /**
   * CPU threads for the runtime (default 1). `'auto'`: the profile measures every segment with each of
   * `threadChoices` and each segment keeps the fastest (agent/active-bundle.ts) — a thread count that makes
   * a segment slower (TFLite 2.9's int8 kernels ran 10x slower with 2 threads than with 1 here) is never kept.
   */
  threads?: number | 'auto';
  /** Thread counts `threads: 'auto'` chooses from (default 1 and every core). */
  threadChoices?: readonly number[];
}

/** The thread counts a profile chooses from: one when `threads` is fixed. */
export function threadChoicesOf(o: RuntimeChoice): number[] {
  return o.threads === 'auto' ? [...new Set(o.threadChoices ?? [1, os.availableParallelism()])] : [o.threads ?? 1];
}

/** The runtime for `bundle` with `threads` CPU threads; E_EDGETPU_BUNDLE when the Edge TPU is asked for a bundle it cannot run. */
export function runtimeFor(bundle: InstalledBundle, o: RuntimeChoice, threads: number): Runtime {
  if (o.runtime) return typeof o.runtime === 'function' ? o.runtime(threads) : o.runtime;
  if (o.edgetpu) {
    if (bundle.manifest.runtime !== 'tflite' || bundle.manifest.precision !== 'int8') {
      throw new RanasError('E_EDGETPU_BUNDLE', `the Edge TPU runs int8 TFLite bundles; this one is ${bundle.manifest.precision} ${bundle.manifest.runtime}`);
    }
    return edgeTpuRuntime({ threads });
  }
  return RUNTIMES[bundle.manifest.runtime]({ threads });
}

/** The runtime for standalone models of `kind` (an op pack's): the caller's when given, else the kind's CPU runtime. */
export function runtimeOfKind(kind: BundleRuntime, o: RuntimeChoice, threads: number): Runtime {
  if (o.runtime) return typeof o.runtime === 'function' ? o.runtime(threads) : o.runtime;
  return RUNTIMES[kind]({ threads });
}

/** Runtime names this device offers (reported in info): tflite, onnx, and edgetpu when libedgetpu is found. */
export function availableRuntimes(): string[] {
  return ['tflite', 'onnx', ...(findEdgeTpuLibrary() ? ['edgetpu'] : [])];
}
