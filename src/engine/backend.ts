/**
 * Compute backend selection. Placeholder until the engine lands: wasm, else cpu.
 * The engine owner replaces the body; the exported signature stays.
 */
import { tf } from './tf.ts';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What runs and why. */
export interface EngineInfo {
  backend: BackendName;
  version: string;
  reason: string;
  threads: number;
}

let active: EngineInfo | undefined;

/** Initialises the compute backend once (RANAS_BACKEND overrides) and returns what runs. */
export async function initEngine(prefer?: BackendName): Promise<EngineInfo> {
  if (active) return active;
  await import('@tensorflow/tfjs-backend-cpu');
  await import('@tensorflow/tfjs-backend-wasm');
  const want = prefer ?? (process.env.RANAS_BACKEND as BackendName | undefined) ?? 'wasm';
  const ok = await tf.setBackend(want === 'tensorflow' ? 'wasm' : want);
  if (!ok) await tf.setBackend('cpu');
  await tf.ready();
  active = { backend: tf.getBackend() as BackendName, version: tf.version_core, reason: 'placeholder', threads: 1 };
  return active;
}
