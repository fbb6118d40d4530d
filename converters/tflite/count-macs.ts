/**
 * Multiply-accumulates of a written .tflite file, read from the file itself (operators, tensor shapes,
 * weight buffers) — an account independent of the IR analysis, used to check that the cost ranas reports
 * for an exit is what the device runs.
 *
 * Convention (the IR's, `src/ir/analysis.ts`): CONV_2D = kh·kw·cin·cout·hout·wout; DEPTHWISE_CONV_2D =
 * kh·kw·c·hout·wout, except a float32 filter that is one-hot per channel (a fixed data-movement filter, the
 * factorized-reduce shift) counts 0; FULLY_CONNECTED = cin·cout; every other operator counts 0.
 */
import { readTflite, type TfliteSummary } from './read-tflite.ts';

const product = (shape: number[]) => shape.reduce((a, x) => a * x, 1);

function isOneHotPerChannel(bytes: Uint8Array, model: TfliteSummary, tensorIndex: number): boolean {
  const t = model.tensors[tensorIndex];
  const buf = model.buffers[t.buffer];
  if (t.type !== 'FLOAT32' || !buf || buf.offset < 0 || buf.length === 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset + buf.offset, buf.length);
  const channels = t.shape[t.shape.length - 1];
  const taps = buf.length / 4 / channels;
  for (let c = 0; c < channels; c++) {
    let ones = 0;
    for (let k = 0; k < taps; k++) {
      const v = view.getFloat32((k * channels + c) * 4, true);
      if (v === 1) ones++;
      else if (v !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
}

/** MACs (per image) of every operator of the .tflite `bytes`, summed. */
export function tfliteMacs(bytes: Uint8Array): number {
  const model = readTflite(bytes);
  let macs = 0;
  for (const op of model.operators) {
    const out = model.tensors[op.outputs[0]]?.shape ?? [];
    const filter = model.tensors[op.inputs[1]]?.shape ?? [];
    if (op.op === 'CONV_2D') {
      // filter OHWI, output NHWC
      macs += product(filter.slice(1)) * product(out.slice(1));
    } else if (op.op === 'DEPTHWISE_CONV_2D') {
      if (!isOneHotPerChannel(bytes, model, op.inputs[1])) macs += filter[1] * filter[2] * product(out.slice(1));
    } else if (op.op === 'FULLY_CONNECTED') {
      macs += filter[0] * filter[1];
    }
  }
  return macs;
}
