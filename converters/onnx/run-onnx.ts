/**
 * Runs ONNX models written by `writeOnnx` in onnxruntime-node (CPU), translating between IR layout
 * (NHWC, batch left out) and the file's NCHW batch-1 tensors. Used by tests and by the export report.
 */
import * as ort from 'onnxruntime-node';
import { RanasError } from '../../src/errors.ts';
import { fromOnnxLayout, onnxDims, toOnnxLayout } from './layout.ts';

/** Tensor data in IR layout. */
export type IrData = Float32Array | Int8Array;

/** An open model. */
export interface OnnxRunner {
  /** Runs one image; `inputs` and the result are keyed by tensor name, in IR layout. */
  run(inputs: Map<string, IrData>): Promise<Map<string, IrData>>;
  release(): Promise<void>;
}

/**
 * Opens `bytes` in onnxruntime. `shapes` gives the IR shape of every input and output; `optimize` false
 * turns graph optimisations off (QDQ then runs as float ops on dequantised values). Default true.
 */
export async function openOnnx(bytes: Uint8Array, shapes: Map<string, number[]>, optimize = true): Promise<OnnxRunner> {
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: optimize ? 'all' : 'disabled',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const shapeOf = (t: string) => {
    const s = shapes.get(t);
    if (!s) throw new RanasError('E_ONNX_SHAPE', `no shape for tensor ${t}`, { tensor: t });
    return s;
  };
  return {
    async run(inputs) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of session.inputNames) {
        const data = inputs.get(name);
        if (!data) throw new RanasError('E_ONNX_INPUT', `model input ${name} was not given; got ${[...inputs.keys()].join(', ')}`, { tensor: name });
        const onnxData = toOnnxLayout(data, shapeOf(name));
        feeds[name] = onnxData instanceof Int8Array
          ? new ort.Tensor('int8', onnxData, onnxDims(shapeOf(name)))
          : new ort.Tensor('float32', onnxData, onnxDims(shapeOf(name)));
      }
      const results = await session.run(feeds);
      const out = new Map<string, IrData>();
      for (const name of session.outputNames) {
        const data = results[name].data;
        if (!(data instanceof Float32Array || data instanceof Int8Array)) {
          throw new RanasError('E_ONNX_OUTPUT', `output ${name} has type ${results[name].type}; expected float32 or int8`, { tensor: name });
        }
        out.set(name, fromOnnxLayout(data, shapeOf(name)));
      }
      return out;
    },
    release: () => session.release(),
  };
}
