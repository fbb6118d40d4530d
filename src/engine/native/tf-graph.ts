/**
 * A TensorFlow graph and session from TypeScript (the graph addon, `graph-addon/ranas_graph.c`): build ops by
 * type name with typed attributes, add symbolic gradients (TF_AddGradients), and run the graph in one call.
 * The only file that loads the addon.
 */
import { createRequire } from 'node:module';
import { RanasError } from '../../errors.ts';
import { findGraphAddon } from './graph-addon-build.ts';
import { parseStepStats, type NodeStat } from './step-stats.ts';

/** One output of an op: [op id, output index]. */
export type TfOut = readonly [number, number];

/** An op attribute, as TensorFlow's op registration names its kind. */
export type TfAttr =
  | readonly [name: string, kind: 'type', value: 'float32' | 'int32']
  | readonly [name: string, kind: 'int', value: number]
  | readonly [name: string, kind: 'ints' | 'shape', value: readonly number[]]
  | readonly [name: string, kind: 'float', value: number]
  | readonly [name: string, kind: 'bool', value: boolean]
  | readonly [name: string, kind: 'string', value: string]
  | readonly [name: string, kind: 'tensor', value: readonly ['float32' | 'int32', readonly number[], Float32Array | Int32Array]];

/** A value fed into a placeholder. */
export interface TfFeed {
  at: TfOut;
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

/** A fetched value. */
export interface TfValue {
  shape: number[];
  data: Float32Array | Int32Array;
}

interface Addon {
  tfVersion(): string;
  newGraph(): object;
  addOp(g: object, type: string, name: string, inputs: readonly (TfOut | readonly TfOut[])[], attrs: readonly TfAttr[]): number;
  outputShape(g: object, op: number, index: number): number[] | null;
  addGradients(g: object, ys: readonly TfOut[], dys: readonly TfOut[] | null, xs: readonly TfOut[]): [number, number][];
  newSession(g: object, intra: number, inter: number): object;
  closeSession(s: object): void;
  run(s: object, feeds: readonly unknown[], fetches: readonly TfOut[], targets: readonly number[], trace?: boolean): [number[] | null, Float32Array | Int32Array | Uint8Array][];
}

let addon: Addon | undefined;

function isAddon(v: unknown): v is Addon {
  return typeof v === 'object' && v !== null && ['newGraph', 'addOp', 'addGradients', 'newSession', 'run'].every((k) => typeof Reflect.get(v, k) === 'function');
}

/** Whether the graph addon is built for this checkout (`ranas setup native` builds it). */
export function graphAddonAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

function loadAddon(): Addon {
  if (addon) return addon;
  const path = findGraphAddon();
  if (!path) throw new RanasError('E_NATIVE_LOAD', 'the graph addon (ranas_graph.node) is not built; expected `ranas setup native` to have built it');
  const loaded: unknown = createRequire(import.meta.url)(path);
  if (!isAddon(loaded)) throw new RanasError('E_NATIVE_LOAD', `${path} does not export the graph addon's functions (newGraph, addOp, addGradients, newSession, run)`);
  addon = loaded;
  return addon;
}

function tfError(what: string, e: unknown): RanasError {
  return new RanasError('E_TF_GRAPH', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

/** A session: runs the graph it was made from. */
export class TfSession {
  constructor(private readonly a: Addon, private readonly handle: object, readonly graph: TfGraph) {}

  /** Feeds placeholders, runs the ops `fetches` and `targets` need, returns the fetched values in order. */
  run(feeds: readonly TfFeed[], fetches: readonly TfOut[], targets: readonly number[] = []): TfValue[] {
    return this.runTraced(feeds, fetches, targets, false).values;
  }

  /** `run`, and with `trace` the per-node timings TensorFlow recorded (a FULL_TRACE run). */
  runTraced(feeds: readonly TfFeed[], fetches: readonly TfOut[], targets: readonly number[] = [], trace = true): { values: TfValue[]; nodes: NodeStat[] } {
    let raw: [number[] | null, Float32Array | Int32Array | Uint8Array][];
    try {
      raw = this.a.run(this.handle, feeds.map((f) => [f.at[0], f.at[1], f.shape, f.data]), fetches, targets, trace);
    } catch (e) {
      throw tfError('running the graph', e);
    }
    const values: TfValue[] = [];
    let nodes: NodeStat[] = [];
    for (const [shape, data] of raw) {
      if (shape === null && data instanceof Uint8Array) nodes = parseStepStats(data);
      else if (shape !== null && !(data instanceof Uint8Array)) values.push({ shape, data });
    }
    return { values, nodes };
  }

  close(): void {
    this.a.closeSession(this.handle);
  }
}

/** A graph under construction. Op names are generated unless given. */
export class TfGraph {
  private readonly a: Addon;
  private readonly handle: object;
  private count = 0;

  constructor() {
    this.a = loadAddon();
    this.handle = this.a.newGraph();
  }

  /** Adds an op; returns its id. `name` is made unique by a counter. */
  op(type: string, inputs: readonly (TfOut | readonly TfOut[])[], attrs: readonly TfAttr[] = [], name = type): number {
    const unique = `${name.replace(/[^A-Za-z0-9_.\-/]/g, '_')}_${this.count++}`;
    try {
      return this.a.addOp(this.handle, type, unique, inputs, attrs);
    } catch (e) {
      throw tfError(`adding ${type} (${name})`, e);
    }
  }

  /** Output 0 (or `index`) of a new op. */
  out(type: string, inputs: readonly (TfOut | readonly TfOut[])[], attrs: readonly TfAttr[] = [], name = type, index = 0): TfOut {
    return [this.op(type, inputs, attrs, name), index];
  }

  placeholder(dtype: 'float32' | 'int32', shape: readonly number[], name = 'input'): TfOut {
    return this.out('Placeholder', [], [['dtype', 'type', dtype], ['shape', 'shape', shape]], name);
  }

  constF32(data: Float32Array | readonly number[], shape: readonly number[], name = 'const'): TfOut {
    const d = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.out('Const', [], [['dtype', 'type', 'float32'], ['value', 'tensor', ['float32', shape, d]]], name);
  }

  constI32(data: readonly number[], shape: readonly number[] = [data.length], name = 'const'): TfOut {
    return this.out('Const', [], [['dtype', 'type', 'int32'], ['value', 'tensor', ['int32', shape, Int32Array.from(data)]]], name);
  }

  /** The statically inferred shape of an output (-1 for unknown dimensions), or undefined for unknown rank. */
  shape(o: TfOut): number[] | undefined {
    return this.a.outputShape(this.handle, o[0], o[1]) ?? undefined;
  }

  /** Symbolic gradients of sum(ys · dys) with respect to `xs` (undefined where no path leads from x to ys). */
  gradients(ys: readonly TfOut[], xs: readonly TfOut[], dys?: readonly TfOut[]): (TfOut | undefined)[] {
    try {
      return this.a.addGradients(this.handle, ys, dys ?? null, xs).map(([op, index]) => (op < 0 ? undefined : [op, index] as const));
    } catch (e) {
      throw tfError('adding gradients', e);
    }
  }

  session(intraThreads: number, interThreads: number): TfSession {
    try {
      return new TfSession(this.a, this.a.newSession(this.handle, intraThreads, interThreads), this);
    } catch (e) {
      throw tfError('creating a session', e);
    }
  }
}
