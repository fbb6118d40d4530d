/**
 * How many data-parallel replicas train fastest on each backend (`bench/engine.ts` measures 1 and 2 side
 * by side, so this table can be checked on any machine). Reference net, batch 64, this 2-core machine:
 * - tensorflow: 1. Measured first on the reference net under load (load 9-10): 2 replicas sharing TensorFlow's
 *   default pool gave 0.57-0.77x the images per CPU-second of 1. Measured again on the real presets on a quiet
 *   machine (bench/train-presets.ts --replicas 2, session 7) once each replica got its own share of the cores
 *   (`initEngine` sets TF_NUM_INTRAOP_THREADS = cores / replicas): 2 replicas of 1 thread trained tiny 234 vs
 *   180 img/s, small 135 vs 113, paper-cifar 45 vs 38 (same run, load 2.0-2.4). The default stays 1 all the
 *   same: replicas normalise each shard of the batch with its own batch-norm statistics, so a run with 2 is a
 *   different computation from one with 1 (as per-GPU batch norm is); `--replicas 2` is the faster choice.
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
