/**
 * Data parallelism over worker threads (wasm runs one thread per isolate; this machine has 2 cores).
 * Replica 0 is the caller's model; each worker builds the same model from the recipe on the same
 * backend. Per call: replica 0's variables and buffers are sent to every worker, the batch is split into
 * near-equal shards, each replica computes its shard's mean gradients while replica 0 computes its own,
 * and the results are averaged weighted by shard size. The batch-norm buffers are averaged the same way
 * into replica 0, which every worker is synced to before its next computation.
 */
import { Worker } from 'node:worker_threads';
import { initEngine } from './backend.ts';
import type { DataParallel, GradientResult, ModelRecipe, StepSettings } from './data-parallel-types.ts';
import { buildFromRecipe, readState, shardGradients, writeState, type NamedArrays, type ShardResult } from './replica.ts';
import type { WorkerInit, WorkerReply, WorkerRequest } from './data-parallel-worker.ts';
import { RanasError } from '../errors.ts';

/** Options of `createDataParallel`. */
export interface DataParallelOptions {
  /** Replicas including the calling thread (default 2, at least 1). */
  replicas?: number;
}

/** Splits `n` rows into `parts` near-equal shards (larger first); empty shards are dropped. */
export function shardSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0)).filter((s) => s > 0);
}

/** Weighted mean of named arrays across shards (weights sum to 1). */
export function weightedMean(parts: NamedArrays[], weights: number[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  parts.forEach((arrays, p) => {
    for (const [name, a] of arrays) {
      let acc = out.get(name);
      if (!acc) out.set(name, (acc = new Float32Array(a.length)));
      const w = weights[p];
      for (let i = 0; i < a.length; i++) acc[i] += w * a[i];
    }
  });
  return out;
}

/**
 * The worker's entry. From the TypeScript sources it registers tsx's ESM loader inside the worker (a
 * `--import tsx` in execArgv does not cover a worker's own .ts entry on Node 20), then imports the worker
 * module; from the compiled JavaScript (dist/) it imports the compiled worker module directly.
 */
const WORKER_BOOTSTRAP = import.meta.url.endsWith('.ts')
  ? `
import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./data-parallel-worker.ts', import.meta.url).href)}); })
  .catch((e) => { throw e; });
`
  : `import(${JSON.stringify(new URL('./data-parallel-worker.js', import.meta.url).href)}).catch((e) => { throw e; });`;

interface Pending {
  resolve: (r: ShardResult) => void;
  reject: (e: Error) => void;
}

/**
 * Workers still running when the event loop empties. Node would stop them during exit, while the main thread
 * tears down TensorFlow's globals, and a worker inside TensorFlow then can crash the process (a SIGSEGV at exit
 * seen once under load); terminating them first, on 'beforeExit', lets them finish cleanly.
 */
const liveWorkers = new Set<Worker>();
let exitHookInstalled = false;

function trackUntilExit(worker: Worker): void {
  liveWorkers.add(worker);
  worker.once('exit', () => liveWorkers.delete(worker));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // ref() first: an unref'd worker's termination does not keep the loop alive, so the process could start
  // exiting before the worker had stopped (the SIGSEGV came back once in a fresh-clone CI with only
  // terminate()). Referenced, the loop waits for each worker's exit, then empties and exits.
  process.on('beforeExit', () => {
    for (const w of liveWorkers) {
      w.ref();
      void w.terminate();
    }
    liveWorkers.clear();
  });
}

/** One worker thread with its request queue. */
class WorkerReplica {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(init: WorkerInit) {
    this.worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: init });
    this.worker.unref();
    trackUntilExit(this.worker);
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: WorkerReply) => {
        if (m.kind === 'ready') return resolve();
        const p = this.pending.get(m.id);
        if (m.kind === 'error' && m.id === -1) return reject(new RanasError('E_DATA_PARALLEL', `worker failed to start: ${m.message}`));
        if (!p) return;
        this.pending.delete(m.id);
        this.refIfBusy();
        if (m.kind === 'result') p.resolve(m.result);
        else p.reject(new RanasError('E_DATA_PARALLEL', `worker replica failed: ${m.message}`));
      });
      const fail = (e: Error) => {
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
        this.refIfBusy();
      };
      this.worker.on('error', (e) => fail(new RanasError('E_DATA_PARALLEL', `worker replica crashed: ${e.message}`)));
      this.worker.on('exit', (code) => fail(new RanasError('E_DATA_PARALLEL', `worker replica exited (code ${code})`)));
    });
    // Until it is ready the worker keeps the process alive, so start-up is awaited like any request.
    this.worker.ref();
    this.ready.then(() => this.refIfBusy(), () => undefined);
  }

  /** Only an outstanding request keeps the process alive; an idle replica never does. */
  private refIfBusy(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  compute(req: Omit<WorkerRequest, 'id'>): Promise<ShardResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.refIfBusy();
      this.worker.postMessage({ ...req, id } satisfies WorkerRequest, [req.x.buffer, req.labels.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer));
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Builds replica 0 in this thread and `replicas - 1` workers from `recipe`. */
export async function createDataParallel(recipe: ModelRecipe, opts: DataParallelOptions = {}): Promise<DataParallel> {
  const replicas = opts.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new RanasError('E_DATA_PARALLEL', `replicas is ${replicas}; expected an integer ≥ 1`);
  }
  const engine = await initEngine();
  const model = await buildFromRecipe(recipe);
  const workers = Array.from({ length: replicas - 1 }, () => new WorkerReplica({ recipe, backend: engine.backend }));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    model.dispose();
    throw e;
  }
  let disposed = false;

  async function gradients(x: Float32Array, shape: [number, number, number, number], labels: Int32Array, varNames?: string[], step: StepSettings = {}): Promise<GradientResult> {
    if (disposed) throw new RanasError('E_DATA_PARALLEL', 'gradients() called after dispose()');
    const [n, h, w, c] = shape;
    if (x.length !== n * h * w * c) throw new RanasError('E_DATA_PARALLEL', `x has ${x.length} values; shape [${shape}] needs ${n * h * w * c}`);
    if (labels.length !== n) throw new RanasError('E_DATA_PARALLEL', `labels has ${labels.length} entries; the batch has ${n} rows`);
    const sizes = shardSizes(n, replicas);
    const perRow = h * w * c;
    const state = sizes.length > 1 ? readState(model) : [];
    let start = sizes[0];
    const remote = sizes.slice(1).map((rows, i) => {
      const from = start;
      start += rows;
      return workers[i].compute({
        state,
        x: x.slice(from * perRow, (from + rows) * perRow),
        shape: [rows, h, w, c],
        labels: labels.slice(from, from + rows),
        varNames,
        step: { ...step, sampleOffset: from },
      });
    });
    const local = shardGradients(model, sizes.length > 1 ? x.subarray(0, sizes[0] * perRow) : x, [sizes[0], h, w, c], sizes.length > 1 ? labels.subarray(0, sizes[0]) : labels, varNames, { ...step, sampleOffset: 0 });
    const shards = [local, ...(await Promise.all(remote))];
    if (shards.length === 1) return { grads: new Map(local.grads), total: local.total, terms: local.terms };
    const weights = shards.map((s) => s.rows / n);
    const mean = (v: (s: ShardResult) => number) => shards.reduce((acc, s, i) => acc + weights[i] * v(s), 0);
    const buffers = weightedMean(shards.map((s) => s.buffers), weights);
    if (buffers.size > 0) writeState(model, [...buffers]);
    return {
      grads: weightedMean(shards.map((s) => s.grads), weights),
      total: mean((s) => s.total),
      terms: local.terms.map((_, k) => mean((s) => s.terms[k])),
    };
  }

  return {
    model,
    replicas,
    gradients,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all(workers.map((w) => w.terminate()));
      model.dispose();
    },
  };
}

