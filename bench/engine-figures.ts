/**
 * One backend's figures on the reference net, as `bench/engine.ts` measures them in a process of their
 * own (so each backend starts clean, exactly as `RANAS_BACKEND=<name>` starts it for a user), and the
 * parser the parent process reads them back with.
 */
import { loadavg } from 'node:os';
import { initEngine, type BackendName } from '../src/engine/backend.ts';
import { defaultReplicas } from '../src/engine/replica-count.ts';
import { syntheticBatch } from '../src/engine/synthetic-batch.ts';
import { forwardImagesPerSec, trainingImagesPerSec, type Throughput } from '../src/train/throughput.ts';

/** Training throughput with a given number of data-parallel replicas. */
export interface TrainingFigures extends Throughput {
  replicas: number;
}

/** A backend's figures, or why it is not available. */
export type BackendFigures =
  | {
      backend: BackendName;
      available: true;
      version: string;
      /** The replica count `defaultReplicas` picks for this backend here. */
      defaultReplicas: number;
      forward: Throughput;
      training: TrainingFigures[];
      /** 1-minute load average when the measurement started and ended. */
      load: [number, number];
    }
  | { backend: BackendName; available: false; reason: string };

const load1 = () => Math.round(loadavg()[0] * 10) / 10;

/** Starts `backend` and measures forward and training (each replica count) for `seconds` each. */
export async function measureBackend(backend: BackendName, seconds: number, replicaCounts: number[], batchSize: number): Promise<BackendFigures> {
  const engine = await initEngine(backend);
  if (engine.backend !== backend) return { backend, available: false, reason: engine.reason };
  const start = load1();
  const batch = syntheticBatch(batchSize);
  const forward = await forwardImagesPerSec(batch, seconds * 1000);
  const training: TrainingFigures[] = [];
  for (const replicas of replicaCounts) training.push({ replicas, ...(await trainingImagesPerSec(batch, replicas, seconds * 1000)) });
  return { backend, available: true, version: engine.version, defaultReplicas: defaultReplicas(backend), forward, training, load: [start, load1()] };
}

function field(o: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(o, key)?.value;
}

function num(o: object, key: string, where: string): number {
  const v = field(o, key);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}.${key} is ${JSON.stringify(v)}; expected a finite number`);
  return v;
}

function obj(v: unknown, where: string): object {
  if (typeof v !== 'object' || v === null) throw new Error(`${where} is ${JSON.stringify(v)}; expected an object`);
  return v;
}

function throughput(v: unknown, where: string): Throughput {
  const o = obj(v, where);
  return { imgPerSec: num(o, 'imgPerSec', where), imgPerCpuSec: num(o, 'imgPerCpuSec', where) };
}

/** Parses what `measureBackend` printed as JSON for `backend`; throws naming the bad field. */
export function parseBackendFigures(backend: BackendName, line: string): BackendFigures {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`${backend}: output ${JSON.stringify(line.slice(0, 120))} is not JSON`);
  }
  const o = obj(parsed, backend);
  if (field(o, 'backend') !== backend) throw new Error(`${backend}: output is for backend ${JSON.stringify(field(o, 'backend'))}`);
  if (field(o, 'available') === false) {
    const reason = field(o, 'reason');
    return { backend, available: false, reason: typeof reason === 'string' ? reason : 'no reason given' };
  }
  const version = field(o, 'version');
  const training = field(o, 'training');
  const load = field(o, 'load');
  if (typeof version !== 'string') throw new Error(`${backend}.version is ${JSON.stringify(version)}; expected a string`);
  if (!Array.isArray(training)) throw new Error(`${backend}.training is ${JSON.stringify(training)}; expected an array`);
  if (!Array.isArray(load) || load.length !== 2 || !load.every((l) => typeof l === 'number')) throw new Error(`${backend}.load is ${JSON.stringify(load)}; expected [start, end]`);
  return {
    backend, available: true, version,
    defaultReplicas: num(o, 'defaultReplicas', backend),
    forward: throughput(field(o, 'forward'), `${backend}.forward`),
    training: training.map((t, i) => ({ replicas: num(obj(t, `${backend}.training[${i}]`), 'replicas', `${backend}.training[${i}]`), ...throughput(t, `${backend}.training[${i}]`) })),
    load: [load[0], load[1]],
  };
}
