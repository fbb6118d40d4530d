/**
 * Plain-JS kernels over backend memory. On wasm the inputs and the output are float32 views straight
 * into the module's heap (no copies); elsewhere inputs are read and the output is uploaded.
 */
import { tf } from '../tf.ts';
import { RanasError } from '../../errors.ts';

/** The part of the wasm backend a JS kernel needs. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

function isHeapBackend(b: object): b is HeapBackend {
  return 'makeOutput' in b && typeof b.makeOutput === 'function' && 'typedArrayFromHeap' in b && typeof b.typedArrayFromHeap === 'function';
}

function f32(a: unknown, what: string): Float32Array {
  if (a instanceof Float32Array) return a;
  throw new RanasError('E_KERNEL_INPUT', `${what} is not float32 data`);
}

/**
 * Runs `fill(out, inputs)` with `out` zeroed, of `outShape`, and returns the output tensor info.
 * Views are taken after the output is allocated (allocation may grow, and so detach, the wasm heap).
 */
export function runJsKernel(backend: object, inputs: tf.TensorInfo[], outShape: number[], fill: (out: Float32Array, inputs: Float32Array[]) => void): tf.TensorInfo {
  if (isHeapBackend(backend)) {
    const out = backend.makeOutput(outShape, 'float32');
    const views = inputs.map((t, i) => f32(backend.typedArrayFromHeap(t), `input ${i}`));
    const o = f32(backend.typedArrayFromHeap(out), 'output');
    o.fill(0);
    fill(o, views);
    return out;
  }
  const values = inputs.map((t, i) => f32(tf.engine().readSync(t.dataId), `input ${i}`));
  const o = new Float32Array(outShape.reduce((a, b) => a * b, 1));
  fill(o, values);
  return tf.tensor(o, outShape, 'float32');
}
