/**
 * Chained-segment check: running the segment files one after another (each fed the tensors earlier
 * segments produced) must give the monolithic model's logits at every exit: exactly in int8; in fp32
 * within a rounding tolerance, since a runtime may fuse and order float ops differently per file.
 */
import type { Segment, TensorQuant } from '../quant-types.ts';
import type { BundleRuntime } from '../../src/bundle-format/manifest.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import { OPEN_MODEL, type ModelData, type ModelSession } from './model-runtimes.ts';
import { RanasError } from '../../src/errors.ts';

/** Relative L2 distance fp32 chained logits may have from the monolithic ones (runtimes may fuse ops differently). */
export const FP32_CHAIN_TOLERANCE = 1e-5;

/** int8: identical values; float: within `FP32_CHAIN_TOLERANCE` relative L2. */
export function sameValues(a: ModelData | undefined, b: ModelData | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  if (a instanceof Float32Array) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
    return Math.sqrt(num) <= FP32_CHAIN_TOLERANCE * Math.sqrt(den);
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Exit logits of every segment, chained, for one image. `inputQuant` set → the image is quantised first.
 */
export async function runChained(
  sessions: ModelSession[],
  segments: Segment[],
  input: string,
  image: Float32Array,
  inputQuant?: TensorQuant,
): Promise<Map<string, ModelData>> {
  const live = new Map<string, ModelData>([[input, inputQuant ? quantizeTensor(image, inputQuant) : image]]);
  for (let k = 0; k < segments.length; k++) {
    const feeds = new Map<string, Float32Array | Int8Array>();
    for (const t of segments[k].inputs) {
      const v = live.get(t);
      if (!(v instanceof Float32Array || v instanceof Int8Array)) throw new RanasError('E_SEGMENT_WIRING', `segment ${k} input ${t} was not produced by an earlier segment`);
      feeds.set(t, v);
    }
    for (const [t, v] of await sessions[k].run(feeds)) live.set(t, v);
  }
  return live;
}

/** True when chained segments reproduce the monolithic logits (see `sameValues`) at every exit on every image. */
export async function chainedMatchesMonolithic(
  monolithic: ModelSession,
  segments: Segment[],
  segmentBytes: Uint8Array[],
  runtime: BundleRuntime,
  shapes: Map<string, number[]>,
  input: string,
  images: Float32Array[],
  inputQuant?: TensorQuant,
): Promise<boolean> {
  const sessions = await Promise.all(segmentBytes.map((b) => OPEN_MODEL[runtime](b, shapes)));
  try {
    for (const image of images) {
      const chained = await runChained(sessions, segments, input, image, inputQuant);
      const mono = await monolithic.run(new Map([[input, inputQuant ? quantizeTensor(image, inputQuant) : image]]));
      if (!segments.every((s) => sameValues(chained.get(s.exitTensor), mono.get(s.exitTensor)))) return false;
    }
    return true;
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}
