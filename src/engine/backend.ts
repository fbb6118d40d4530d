/**
 * Compute backend selection. Order: `@tensorflow/tfjs-node` (native TensorFlow) when it loads, else the
 * WebAssembly backend with the project's training kernels, else the plain JS cpu backend.
 * `RANAS_BACKEND=tensorflow|wasm|cpu` (or the `prefer` argument) overrides the order; a preferred backend
 * that cannot start falls through to the next one and `reason` says why.
 */
import { availableParallelism } from 'node:os';
import { tf } from './tf.ts';
import { registerTrainingKernels } from './kernels/register.ts';
import { registerCoreGradients } from './core-gradients.ts';
import { RanasError, errorMessage } from '../errors.ts';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What runs and why. */
export interface EngineInfo {
  backend: BackendName;
  /** Version of the backend package (tfjs-node, tfjs-backend-wasm or tfjs-backend-cpu). */
  version: string;
  /** Why this backend was chosen, e.g. "tfjs-node not installed: Cannot find module ...". */
  reason: string;
  /** Compute threads one engine instance uses (wasm and cpu: 1 per thread; data parallelism adds replicas). */
  threads: number;
  /** Names of the kernels the project registered on this backend. */
  kernels: string[];
}

const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** How to load each backend; returns its package version. Throws when the backend cannot start. */
const LOADERS: Record<BackendName, () => Promise<string>> = {
  tensorflow: async () => {
    // A non-literal specifier: tfjs-node is optional, so neither TypeScript nor the loader may require it.
    const specifier = ['@tensorflow', 'tfjs-node'].join('/');
    const mod: unknown = await import(specifier);
    if (!(await tf.setBackend('tensorflow'))) throw new RanasError('E_BACKEND', 'tfjs-node loaded but the tensorflow backend did not start');
    return versionOf(mod, 'tfjs-node') ?? 'unknown';
  },
  wasm: async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new RanasError('E_BACKEND', 'the wasm backend did not start');
    return wasm.version_wasm;
  },
  cpu: async () => {
    const cpu = await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new RanasError('E_BACKEND', 'the cpu backend did not start');
    return cpu.version_cpu;
  },
};

/** Threads one instance of each backend computes with. */
const THREADS: Record<BackendName, () => number> = {
  tensorflow: () => availableParallelism(),
  wasm: () => 1, // tfjs-backend-wasm disables its pthread build under Node
  cpu: () => 1,
};

function versionOf(mod: unknown, key: string): string | undefined {
  if (typeof mod !== 'object' || mod === null || !('version' in mod)) return undefined;
  const v: unknown = mod.version;
  if (typeof v !== 'object' || v === null || !(key in v)) return undefined;
  const s: unknown = (v as Record<string, unknown>)[key];
  return typeof s === 'string' ? s : undefined;
}

/** Parses `RANAS_BACKEND` (empty or unset → undefined). */
export function backendFromEnv(value = process.env.RANAS_BACKEND): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  const found = BACKEND_NAMES.find((b) => b === value);
  if (!found) {
    throw new RanasError('E_BACKEND', `RANAS_BACKEND is '${value}'; expected one of ${BACKEND_NAMES.join(', ')}`, { value });
  }
  return found;
}

let active: EngineInfo | undefined;
let starting: Promise<EngineInfo> | undefined;

/** Options of `initEngine`. */
export interface EngineOptions {
  /**
   * Data-parallel replicas the process will run (the main thread and N − 1 workers). On the tensorflow
   * backend each replica then gets cores / N intra-op threads (TF_NUM_INTRAOP_THREADS, read when TensorFlow
   * starts; unless already set): measured on this 2-core machine (bench/train-presets.ts, quiet), two
   * replicas of one thread each trained tiny, small and paper-cifar 1.22-1.33x faster than one replica of
   * two threads, where two replicas sharing TensorFlow's default two threads were no faster than one.
   */
  replicas?: number;
}

/** Intra-op threads per replica: the cores shared out (at least 1). */
export function intraOpThreadsFor(replicas: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, replicas)));
}

/** Initialises the compute backend once (RANAS_BACKEND overrides) and returns what runs. */
export function initEngine(prefer?: BackendName, opts: EngineOptions = {}): Promise<EngineInfo> {
  if (active) return Promise.resolve(active);
  if ((opts.replicas ?? 1) > 1 && process.env.TF_NUM_INTRAOP_THREADS === undefined) {
    process.env.TF_NUM_INTRAOP_THREADS = String(intraOpThreadsFor(opts.replicas ?? 1));
  }
  starting ??= start(prefer ?? backendFromEnv(), prefer ? 'requested' : 'RANAS_BACKEND');
  return starting;
}

/** The engine already started, if any. */
export function engineInfo(): EngineInfo | undefined {
  return active;
}

async function start(prefer: BackendName | undefined, source: string): Promise<EngineInfo> {
  const order: BackendName[] = prefer ? [prefer, ...BACKEND_NAMES.filter((b) => b !== prefer && b !== 'tensorflow')] : [...BACKEND_NAMES];
  const skipped: string[] = [];
  await registerCoreGradients();
  for (const backend of order) {
    try {
      const version = await LOADERS[backend]();
      await tf.ready();
      // The wasm package is loaded whatever runs, so its kernels can be replaced once and for all.
      if (backend !== 'wasm') await import('@tensorflow/tfjs-backend-wasm').catch(() => undefined);
      const kernels = registerTrainingKernels(backend);
      let shownVersion = version;
      if (backend === 'tensorflow') {
        // Native batch-norm and ReLU gradients replace the JS kernels on TensorFlow (about 8x faster training).
        const native = await import('./native/register-native.ts');
        for (const k of native.registerNativeKernels()) if (!kernels.includes(k)) kernels.push(k);
        const { nativeOps } = await import('./native/tfjs-node-internals.ts');
        shownVersion = `${version} (TensorFlow ${nativeOps().tensorflowVersion})`;
      }
      const why = prefer === backend ? `${source}=${backend}` : `first that loads in order ${order.join(' > ')}`;
      const reason = [why, ...skipped].join('; ');
      active = { backend, version: shownVersion, reason, threads: THREADS[backend](), kernels };
      return active;
    } catch (e) {
      skipped.push(`${backend === 'tensorflow' ? 'tfjs-node' : backend} not available: ${firstLine(errorMessage(e))}`);
    }
  }
  throw new RanasError('E_BACKEND', `no compute backend could start: ${skipped.join('; ')}`);
}

function firstLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 160 ? line.slice(0, 157) + '...' : line;
}
