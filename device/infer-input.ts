/** Converts a wire Infer (bytes + shape + dtype name) into a scheduler request over typed arrays. */
import type { InferMsg } from '../firmware-bridge/messages.ts';
import type { InputDType } from '../src/bundle-format/dtype.ts';
import { RanasError } from '../src/errors.ts';
import type { AnytimeRequest } from './scheduler/run-anytime.ts';
import type { InputData } from './scheduler/preprocess.ts';

/** Input dtypes a request may carry → a typed view of its bytes (copied when unaligned). */
const VIEW: Record<InputDType, (b: Uint8Array) => InputData> = {
  uint8: (b) => new Uint8Array(b.buffer, b.byteOffset, b.length),
  int8: (b) => new Int8Array(b.buffer, b.byteOffset, b.length),
  float32: (b) => {
    if (b.length % 4 !== 0) throw new RanasError('E_BAD_INPUT', `float32 input of ${b.length} bytes is not a whole number of values`);
    const aligned = b.byteOffset % 4 === 0 ? b : new Uint8Array(b); // a copy (Buffer#slice would not copy)
    return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
  },
};

export function requestOfInferMsg(m: InferMsg): AnytimeRequest {
  return { input: VIEW[m.dtype](m.input), shape: m.shape, budgetUs: m.budgetUs, policy: m.policy, threshold: m.threshold, topK: m.topK > 0 ? m.topK : undefined, everyExit: m.everyExit === true };
}
