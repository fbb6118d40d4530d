/**
 * The typed options of `ranas demo` (parsed once by the CLI), the default sizes (chosen so the whole
 * pipeline fits in ≤ 20 minutes on a 2-core machine with the wasm engine) and the toy sizes of the test.
 */
import type { InferPolicy } from '../bundle-format/policy.ts';

/** How the demo reaches its device: a local agent on a pty pair (default), a serial port, or TCP. */
export type DemoLink = { kind: 'local' } | { kind: 'serial'; path: string; baudRate: number } | { kind: 'tcp'; host: string; port: number };

/** Every option of one demo run. */
export interface DemoOptions {
  /** Run folder name under `runsDir`. */
  name: string;
  runsDir: string;
  link: DemoLink;
  /** Never download CIFAR-10 (use the cache if it holds it, else the shipped mini set). */
  offline: boolean;
  /** Toy sizes (the test): the mini set, a handful of images, one search step, a few train steps. */
  toy: boolean;
  /** Redo every stage even when its output exists. */
  fresh: boolean;
  /** Search: stratified subset of training images (split 50/50 weights/alphas), epochs, batch size. */
  searchSubset: number;
  searchEpochs: number;
  searchBatchSize: number;
  /** Training of the derived network: stratified subset, epochs, batch size. */
  trainSubset: number;
  trainEpochs: number;
  trainBatchSize: number;
  /** Test images for fp32/int8 per-exit accuracy. */
  evalImages: number;
  /** Train images for int8 calibration. */
  calibImages: number;
  /** Test images sent to the device at every budget. */
  deviceImages: number;
  /** Budgets in µs; empty = derived from the agent's profiled segment latencies. */
  budgetsUs: number[];
  /** Number of budgets in the derived sweep. */
  budgetSteps: number;
  /** Anytime policies to sweep. */
  policies: (InferPolicy)[];
  /** Stop the device sweep after this many seconds (remaining budgets/policies are skipped and reported). */
  deviceSeconds: number;
  /** Profiler runs per segment on the local agent. */
  profileRuns: number;
  /** Data-parallel replicas for search and training; 0 = auto (1 on a multi-threaded engine such as tfjs-node, else 2). */
  threads: number;
  seed: number;
  /** Device key file (default: generated in the run folder; a real Pi needs its own). */
  keyFile?: string;
}

/** Sizes of a default run (measured on the 2-core machine under load; see the report in the issue). */
export const DEMO_DEFAULTS = {
  name: 'demo',
  runsDir: 'runs',
  searchSubset: 800,
  searchEpochs: 2,
  searchBatchSize: 32,
  trainSubset: 2000,
  trainEpochs: 2,
  trainBatchSize: 64,
  evalImages: 1000,
  calibImages: 256,
  deviceImages: 100,
  budgetSteps: 8,
  deviceSeconds: 240,
  profileRuns: 100,
  threads: 0,
  seed: 0,
} as const;

/** Sizes of `--toy` (the test inside `npm test`). */
export const DEMO_TOY = {
  // 24 images split 10 + 14 (stratified): one step of 8 on each half.
  searchSubset: 24,
  searchEpochs: 1,
  searchBatchSize: 8,
  trainSubset: 32,
  trainEpochs: 1,
  trainBatchSize: 16,
  evalImages: 20,
  calibImages: 16,
  deviceImages: 8,
  budgetSteps: 4,
  deviceSeconds: 60,
  profileRuns: 10,
  threads: 1,
} as const;
