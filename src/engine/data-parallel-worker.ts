/**
 * Worker-thread side of the data-parallel engine: starts the same backend as the main thread, builds the
 * model from the recipe, then answers one request at a time: load state, compute a shard's gradients.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initEngine, type BackendName } from './backend.ts';
import { buildFromRecipe, shardGradients, writeState, type NamedArrays, type ShardResult } from './replica.ts';
import type { ModelRecipe, ShardStep } from './data-parallel-types.ts';
import { errorMessage } from '../errors.ts';

/** What the main thread sends a worker. */
export interface WorkerRequest {
  id: number;
  state: NamedArrays;
  x: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
  varNames?: string[];
  step: ShardStep;
}

/** What a worker answers: ready once, then one result (or error) per request. */
export type WorkerReply = { kind: 'ready' } | { kind: 'result'; id: number; result: ShardResult } | { kind: 'error'; id: number; message: string };

/** Start-up data of a worker. */
export interface WorkerInit {
  recipe: ModelRecipe;
  backend: BackendName;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  try {
    await initEngine(init.backend);
    const model = await buildFromRecipe(init.recipe);
    port.on('message', (req: WorkerRequest) => {
      try {
        writeState(model, req.state);
        const result = shardGradients(model, req.x, req.shape, req.labels, req.varNames, req.step);
        const transfer = [...result.grads, ...result.buffers].map(([, a]) => a.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
        port.postMessage({ kind: 'result', id: req.id, result } satisfies WorkerReply, uniqueBuffers(transfer));
      } catch (e) {
        port.postMessage({ kind: 'error', id: req.id, message: errorMessage(e) } satisfies WorkerReply);
      }
    });
    port.postMessage({ kind: 'ready' } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ kind: 'error', id: -1, message: errorMessage(e) } satisfies WorkerReply);
  }
}

function uniqueBuffers(buffers: ArrayBuffer[]): ArrayBuffer[] {
  return [...new Set(buffers)];
}

await main();
