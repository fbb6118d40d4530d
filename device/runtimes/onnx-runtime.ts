/**
 * ONNX through onnxruntime-node (CPU execution provider). Input buffers are allocated once and wrapped
 * in `ort.Tensor`s that share their memory, so writing `inputs[i]` feeds the next `run()` without a copy;
 * outputs are the arrays ORT returns for the last run. Tensors keep the bundle's layout (NCHW).
 */
import * as ort from 'onnxruntime-node';
import { RanasError } from '../../src/errors.ts';
import type { BundleTensor } from '../../src/bundle-format/manifest.ts';
import { TYPED_ARRAY, elementCount, type LoadedSegment, type Runtime, type RuntimeOptions, type TensorArray } from './runtime.ts';

function asTensorArray(t: ort.Tensor, name: string): TensorArray {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Int8Array || d instanceof Uint8Array || d instanceof Int32Array) return d;
  throw new RanasError('E_ONNX_RUNTIME', `ONNX output '${name}' has type ${t.type}; expected float32, int8, uint8 or int32`, { tensor: name });
}

/** ORT tensor type of each manifest dtype. */
const ORT_TYPE = { float32: 'float32', int8: 'int8', uint8: 'uint8', int32: 'int32' } as const;

async function loadOnnxSegment(bytes: Uint8Array, tensors: { inputs: BundleTensor[]; outputs: BundleTensor[] }, threads: number): Promise<LoadedSegment> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new RanasError('E_ONNX_RUNTIME', `onnxruntime refused the model: ${e instanceof Error ? e.message : String(e)}`);
  }
  for (const t of [...tensors.inputs.map((x) => ['input', x.name, session.inputNames] as const), ...tensors.outputs.map((x) => ['output', x.name, session.outputNames] as const)]) {
    if (!t[2].includes(t[1])) throw new RanasError('E_SEGMENT_TENSORS', `model has no ${t[0]} '${t[1]}'; its ${t[0]}s are ${t[2].join(', ')}`, { tensor: t[1] });
  }
  const inputs = tensors.inputs.map((t) => TYPED_ARRAY[t.dtype](elementCount(t.shape)));
  const feeds: Record<string, ort.Tensor> = {};
  tensors.inputs.forEach((t, i) => {
    const data = inputs[i];
    feeds[t.name] = data instanceof Float32Array ? new ort.Tensor(ORT_TYPE.float32, data, t.shape)
      : data instanceof Int8Array ? new ort.Tensor(ORT_TYPE.int8, data, t.shape)
      : data instanceof Uint8Array ? new ort.Tensor(ORT_TYPE.uint8, data, t.shape)
      : new ort.Tensor(ORT_TYPE.int32, data, t.shape);
  });
  const outputNames = tensors.outputs.map((t) => t.name);
  let outputs: TensorArray[] = tensors.outputs.map((t) => TYPED_ARRAY[t.dtype](elementCount(t.shape)));
  return {
    inputs,
    get outputs() {
      return outputs;
    },
    run: async () => {
      const results = await session.run(feeds, outputNames);
      outputs = outputNames.map((n) => asTensorArray(results[n], n));
    },
    dispose: () => session.release(),
  };
}

/** The ONNX Runtime CPU runtime with `threads` intra-op threads. */
export function onnxRuntime(opts: RuntimeOptions = {}): Runtime {
  const threads = opts.threads ?? 1;
  return { name: 'onnx', load: (bytes, tensors) => loadOnnxSegment(bytes, tensors, threads) };
}
