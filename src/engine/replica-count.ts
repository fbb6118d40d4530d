/**
 * How many data-parallel replicas train fastest on each backend (`bench/engine.ts` measures 1 and 2 side
 * by side, so this table can be checked on any machine). Reference net, batch 64, this 2-core machine:
 * - tensorflow: 1. TensorFlow's intra-op pool already spreads each op over every core; a second replica
 *   is a second TensorFlow runtime with its own pool on the same cores, plus the per-step state sync and
 *   gradient averaging. Measured (load average 9–10): 2 replicas gave 0.57–0.77× the training images per
 *   CPU-second of 1 (663 vs 1,167; 921 vs 1,201), and 0.77× with TF_NUM_INTRAOP_THREADS=1 (825 vs
 *   1,078), where nothing is oversubscribed: the sync and averaging alone cost that much.
 * - wasm, cpu: one compute thread per isolate, so one replica per core (measured up to 2).
 */
import { availableParallelism } from 'node:os';
import type { BackendName } from './backend.ts';

/** Most replicas the wasm and cpu rules give (the largest count measured). */
const MAX_SINGLE_THREAD_REPLICAS = 2;

const REPLICAS_FOR: Record<BackendName, (cores: number) => number> = {
  tensorflow: () => 1,
  wasm: (cores) => Math.max(1, Math.min(MAX_SINGLE_THREAD_REPLICAS, cores)),
  cpu: (cores) => Math.max(1, Math.min(MAX_SINGLE_THREAD_REPLICAS, cores)),
};

/** Data-parallel replicas for training on `backend` with `cores` cores (default: this machine's). */
export function defaultReplicas(backend: BackendName, cores = availableParallelism()): number {
  return REPLICAS_FOR[backend](cores);
}
