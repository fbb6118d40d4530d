/**
 * TFLite through tfjs-tflite-node's native interpreter (TFLite 2.9 C API; src/tflite-addon-path.ts says
 * which build of the addon), used directly (its `TFLiteNodeModelRunner` is the addon's `Interpreter`). Each
 * input/output tensor of the addon owns a stable typed array (`TensorInfo.data()`): `infer()` copies the
 * input arrays into TFLite, runs, and copies the outputs back. We hand those arrays out as the segment's
 * buffers, so a caller writes directly into the input tensor's buffer and reads outputs without another
 * copy. The optional delegate (Edge TPU) is TFLite's external delegate loaded from a shared library path.
 */
import { createRequire } from 'node:module';
import { RanasError } from '../../src/errors.ts';
import type { BundleTensor } from '../../src/bundle-format/manifest.ts';
import { TFLITE_NODE_GYP_BUILD, tfliteAddonPath } from '../../src/tflite-addon-path.ts';
import { elementCount, type LoadedSegment, type Runtime, type RuntimeName, type RuntimeOptions, type TensorArray } from './runtime.ts';

/** TFLite external delegate: a library exporting tflite_plugin_create_delegate, plus its options. */
export interface TfliteDelegate {
  path: string;
  options: [string, string][];
}

interface NativeTensor {
  name: string;
  data: TensorArray;
}

interface NativeInterpreter {
  inputs: NativeTensor[];
  outputs: NativeTensor[];
  infer(): void;
}

type Construct = (model: ArrayBuffer, options: { threads: number; delegate?: TfliteDelegate }) => unknown;

let construct: Construct | undefined;

/** The addon's Interpreter constructor (loaded once; E_TFLITE_RUNTIME when the addon is missing). */
function interpreterConstructor(): Construct {
  if (construct) return construct;
  const require = createRequire(import.meta.url);
  const addonPath = tfliteAddonPath();
  let addon: unknown;
  try {
    addon = require(addonPath);
  } catch (e) {
    const fix = addonPath === TFLITE_NODE_GYP_BUILD ? "rebuild it with 'npm rebuild tfjs-tflite-node'" : 'reinstall the device package for this platform';
    throw new RanasError('E_TFLITE_RUNTIME', `the TFLite addon ${addonPath} did not load (${e instanceof Error ? e.message : String(e)}); ${fix}`);
  }
  const ctor: unknown = typeof addon === 'object' && addon !== null ? Reflect.get(addon, 'Interpreter') : undefined;
  if (typeof ctor !== 'function') throw new RanasError('E_TFLITE_RUNTIME', 'tfjs-tflite-node native addon has no Interpreter class');
  construct = (model, options) => Reflect.construct(ctor, [model, options]);
  return construct;
}

function method(o: object, name: string): (...args: unknown[]) => unknown {
  const f: unknown = Reflect.get(o, name);
  if (typeof f !== 'function') throw new RanasError('E_TFLITE_RUNTIME', `TFLite interpreter object lacks ${name}()`);
  return (...args) => Reflect.apply(f, o, args);
}

function nativeTensor(t: unknown): NativeTensor {
  if (typeof t !== 'object' || t === null) throw new RanasError('E_TFLITE_RUNTIME', 'TFLite tensor info is not an object');
  const name: unknown = Reflect.get(t, 'name');
  const data = method(t, 'data')();
  if (typeof name !== 'string') throw new RanasError('E_TFLITE_RUNTIME', 'TFLite tensor info has no name');
  if (!(data instanceof Float32Array || data instanceof Int8Array || data instanceof Uint8Array || data instanceof Int32Array)) {
    throw new RanasError('E_TFLITE_RUNTIME', `TFLite tensor '${name}' has a data type the agent does not handle`, { tensor: name });
  }
  return { name, data };
}

function nativeInterpreter(x: unknown): NativeInterpreter {
  if (typeof x !== 'object' || x === null) throw new RanasError('E_TFLITE_RUNTIME', 'TFLite interpreter is not an object');
  const list = (name: string): NativeTensor[] => {
    const arr = method(x, name)();
    if (!Array.isArray(arr)) throw new RanasError('E_TFLITE_RUNTIME', `TFLite ${name}() did not return an array`);
    return arr.map(nativeTensor);
  };
  const infer = method(x, 'infer');
  return {
    inputs: list('getInputs'),
    outputs: list('getOutputs'),
    infer: () => {
      if (infer() !== true) throw new RanasError('E_TFLITE_RUNTIME', 'TFLite inference failed');
    },
  };
}

/** Matches the model's tensors to the manifest's by name and checks dtype and length. */
function byManifest(native: NativeTensor[], wanted: BundleTensor[], side: string): TensorArray[] {
  return wanted.map((w) => {
    const t = native.find((n) => n.name === w.name);
    if (!t) throw new RanasError('E_SEGMENT_TENSORS', `model has no ${side} '${w.name}'; its ${side}s are ${native.map((n) => n.name).join(', ')}`, { tensor: w.name });
    const ctorName = { float32: 'Float32Array', int8: 'Int8Array', uint8: 'Uint8Array', int32: 'Int32Array' }[w.dtype];
    if (t.data.constructor.name !== ctorName || t.data.length !== elementCount(w.shape)) {
      throw new RanasError('E_SEGMENT_TENSORS', `model ${side} '${w.name}' holds ${t.data.length} values in a ${t.data.constructor.name}; the manifest says [${w.shape.join(', ')}] ${w.dtype}`, { tensor: w.name });
    }
    return t.data;
  });
}

/** Loads .tflite bytes with `threads` CPU threads and an optional delegate. */
export function loadTfliteSegment(bytes: Uint8Array, tensors: { inputs: BundleTensor[]; outputs: BundleTensor[] }, threads: number, delegate?: TfliteDelegate): LoadedSegment {
  const make = interpreterConstructor();
  let interp: NativeInterpreter;
  try {
    // An exact copy in its own ArrayBuffer: a Node Buffer may be a view into a shared pool (and
    // Buffer#slice does not copy), so `bytes.buffer` can hold other data around the model.
    const model = new Uint8Array(bytes.length);
    model.set(bytes);
    interp = nativeInterpreter(make(model.buffer, delegate ? { threads, delegate } : { threads }));
  } catch (e) {
    if (e instanceof RanasError) throw e;
    throw new RanasError('E_TFLITE_RUNTIME', `TFLite refused the model: ${e instanceof Error ? e.message : String(e)}`);
  }
  const inputs = byManifest(interp.inputs, tensors.inputs, 'input');
  const outputs = byManifest(interp.outputs, tensors.outputs, 'output');
  return {
    inputs,
    outputs,
    run: async () => interp.infer(),
    dispose: async () => {},
  };
}

/** The TFLite CPU runtime. */
export function tfliteRuntime(opts: RuntimeOptions = {}, delegate?: TfliteDelegate, name: RuntimeName = 'tflite'): Runtime {
  const threads = opts.threads ?? 1;
  return { name, load: async (bytes, tensors) => loadTfliteSegment(bytes, tensors, threads, delegate) };
}
