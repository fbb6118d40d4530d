/**
 * Garbage collection between requests, not inside them. onnxruntime-node returns every output in a new
 * ArrayBuffer, so V8 scavenges every few hundred runs, and the scavenge plus the array-buffer sweeping after it
 * (hundreds of backing stores freed at once) land inside whichever request is running. Measured on segment 0
 * of the small preset, int8, 1 thread (results/planned/README.md): 0.5 % of runs took more than
 * 2.4x the median (p99.9 8-12x the median), and a perf profile of those runs was V8's scavenger, the
 * array-buffer sweeper, _int_free and malloc_consolidate; Python's onnxruntime 1.30 on the same file: 0.02 %.
 *
 * So the agent collects the young generation itself once the requests since the last collection have
 * allocated `afterMiB` (array buffers + JS heap growth, from v8.getHeapStatistics(), ~0.5 µs a read), well
 * before V8's own trigger (~14 MiB of output buffers there). It runs as a piece of work in the agent's serial
 * queue (no request overlaps it), with array-buffer sweeping done inside that pause rather than concurrently
 * with the next request. The pause is between requests: a request that arrives during it waits as it would
 * behind another request.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Default MiB allocated between collections. */
export const DEFAULT_GC_AFTER_MIB = 4;

type GcFunction = (options?: { type?: 'major' | 'minor' }) => void;

let gcFunction: GcFunction | null | undefined;

/** V8's `gc()` (exposed at run time when the process was started without --expose-gc), or null if V8 refuses. */
function exposedGc(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  try {
    v8.setFlagsFromString('--expose-gc');
    v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping');
    const f: unknown = vm.runInNewContext('gc');
    gcFunction = typeof f === 'function' ? (options) => { Reflect.apply(f, undefined, options === undefined ? [] : [options]); } : null;
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}

/** Watches what requests allocate and says when the next collection is due. */
export interface GcBetweenRequests {
  /** Called after each request; true when a collection should run now. */
  due(): boolean;
  /** Runs the collection (a minor GC). */
  collect(): void;
  /** Collections run so far. */
  readonly collections: number;
}

/** Bytes that count toward V8's next scavenge: array buffers (external memory) and the JS heap. */
function allocatedBytes(): number {
  const h = v8.getHeapStatistics();
  return h.external_memory + h.used_heap_size;
}

/** One minor GC each time `afterMiB` were allocated since the last; 0 (or no gc() available) turns it off (null). */
export function gcBetweenRequests(afterMiB: number): GcBetweenRequests | null {
  if (!(afterMiB > 0)) return null;
  const gc = exposedGc();
  if (!gc) return null;
  const limit = afterMiB * 1024 * 1024;
  let base = allocatedBytes();
  let collections = 0;
  return {
    due: () => allocatedBytes() - base >= limit,
    collect: () => {
      collections++;
      gc({ type: 'minor' });
      base = allocatedBytes();
    },
    get collections() {
      return collections;
    },
  };
}
