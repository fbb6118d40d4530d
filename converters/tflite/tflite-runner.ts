/**
 * Runs .tflite bytes in the real TFLite 2.9 runtime (tfjs-tflite-node's native addon, used directly so
 * no second tfjs-core is loaded). Inputs and outputs are matched by tensor name, in the model's
 * subgraph order. int8 tensors are read and written as Int8Array, float32 as Float32Array.
 */
import { createRequire } from 'node:module';
import { tfliteAddonPath } from '../../src/tflite-addon-path.ts';
import { RanasError } from '../../src/errors.ts';

/** Typed data of one tensor. */
export type TensorData = Float32Array | Int8Array | Int32Array;

/** One model tensor as the runtime reports it. */
export interface RuntimeTensorInfo {
  name: string;
  dataType: string;
  shape: number[];
}

/** A loaded model. */
export interface TfliteSession {
  readonly inputs: RuntimeTensorInfo[];
  readonly outputs: RuntimeTensorInfo[];
  /** Runs once; returns copies of every output by name, in model order. */
  run(inputs: Record<string, TensorData>): Map<string, TensorData>;
}

interface NativeTensor {
  name: string;
  dataType: string;
  shape: string;
  data(): TensorData;
}

interface NativeInterpreter {
  getInputs(): NativeTensor[];
  getOutputs(): NativeTensor[];
  infer(): boolean;
}

type InterpreterCtor = new (model: ArrayBuffer, options: { threads: number }) => unknown;

let ctor: InterpreterCtor | undefined;

function interpreterCtor(): InterpreterCtor {
  if (ctor) return ctor;
  const require = createRequire(import.meta.url);
  const addon: unknown = require(tfliteAddonPath());
  if (typeof addon !== 'object' || addon === null || !('Interpreter' in addon) || typeof addon.Interpreter !== 'function') {
    throw new RanasError('E_TFLITE_RUNTIME', 'tfjs-tflite-node native addon has no Interpreter class');
  }
  const found: unknown = addon.Interpreter;
  ctor = found as InterpreterCtor; // checked to be a function above; the addon's constructor signature is documented in its binding
  return ctor;
}

function parseTensor(t: unknown): NativeTensor {
  if (typeof t !== 'object' || t === null) throw new RanasError('E_TFLITE_RUNTIME', 'runtime tensor info is not an object');
  const { name, dataType, shape } = t as Record<string, unknown>;
  const data: unknown = (t as Record<string, unknown>).data;
  if (typeof name !== 'string' || typeof dataType !== 'string' || typeof shape !== 'string' || typeof data !== 'function') {
    throw new RanasError('E_TFLITE_RUNTIME', 'runtime tensor info lacks name/dataType/shape/data');
  }
  return {
    name,
    dataType,
    shape,
    data: () => {
      const d: unknown = Reflect.apply(data, t, []);
      if (d instanceof Float32Array || d instanceof Int8Array || d instanceof Int32Array) return d;
      throw new RanasError('E_TFLITE_RUNTIME', `tensor '${name}' of type ${dataType} has data this runner does not handle`);
    },
  };
}

function parseInterpreter(x: unknown): NativeInterpreter {
  if (typeof x !== 'object' || x === null) throw new RanasError('E_TFLITE_RUNTIME', 'interpreter is not an object');
  const o = x as Record<string, unknown>;
  const getInputs = o.getInputs;
  const getOutputs = o.getOutputs;
  const infer = o.infer;
  if (typeof getInputs !== 'function' || typeof getOutputs !== 'function' || typeof infer !== 'function') {
    throw new RanasError('E_TFLITE_RUNTIME', 'interpreter lacks getInputs/getOutputs/infer');
  }
  const list = (f: Function): NativeTensor[] => {
    const arr: unknown = Reflect.apply(f, x, []);
    if (!Array.isArray(arr)) throw new RanasError('E_TFLITE_RUNTIME', 'runtime tensor list is not an array');
    return arr.map(parseTensor);
  };
  return { getInputs: () => list(getInputs), getOutputs: () => list(getOutputs), infer: () => Reflect.apply(infer, x, []) === true };
}

const info = (t: NativeTensor): RuntimeTensorInfo => ({ name: t.name, dataType: t.dataType, shape: t.shape.split(',').map(Number) });

/** Loads a model from bytes (the runtime copies them). Throws the runtime's message when it refuses the model. */
export function loadTflite(bytes: Uint8Array, threads = 1): TfliteSession {
  const Ctor = interpreterCtor();
  // An exact copy: a Node Buffer's .slice() is a view, and its .buffer may be a shared pool with other data.
  const copy = new Uint8Array(bytes).buffer;
  let interp: NativeInterpreter;
  try {
    interp = parseInterpreter(new Ctor(copy, { threads }));
  } catch (e) {
    if (e instanceof RanasError) throw e;
    throw new RanasError('E_TFLITE_RUNTIME', `TFLite refused the model: ${e instanceof Error ? e.message : String(e)}`);
  }
  const inputs = interp.getInputs();
  const outputs = interp.getOutputs();
  return {
    inputs: inputs.map(info),
    outputs: outputs.map(info),
    run(values) {
      for (const t of inputs) {
        const v = values[t.name];
        if (!v) throw new RanasError('E_TFLITE_RUNTIME', `no value for model input '${t.name}'`, { tensor: t.name });
        const dst = t.data();
        if (dst.constructor !== v.constructor || dst.length !== v.length) {
          throw new RanasError('E_TFLITE_RUNTIME', `input '${t.name}' expects ${dst.length} ${t.dataType} values, got ${v.length} in a ${v.constructor.name}`, { tensor: t.name });
        }
        dst.set(v);
      }
      if (!interp.infer()) throw new RanasError('E_TFLITE_RUNTIME', 'TFLite inference failed');
      return new Map(outputs.map((t) => [t.name, t.data().slice()]));
    },
  };
}
