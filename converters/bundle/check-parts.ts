/**
 * Split-segment check (`--split-heads`): running trunk 0..k and then head k alone — what the `planned`
 * policy does — must give the monolithic model's logits at exit k, for every k (exactly in int8, within
 * the chain check's tolerance in fp32; see check-chain.ts).
 */
import type { TensorQuant } from '../quant-types.ts';
import type { SegmentPart } from '../split-heads.ts';
import type { BundleRuntime } from '../../src/bundle-format/manifest.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import { OPEN_MODEL, type ModelData, type ModelSession } from './model-runtimes.ts';
import { sameValues } from './check-chain.ts';
import { RanasError } from '../../src/errors.ts';

/** Compiled trunk and head of each segment. */
export interface PartBytes {
  trunk: Uint8Array;
  head: Uint8Array;
}

async function runPart(session: ModelSession, part: SegmentPart, live: Map<string, ModelData>, what: string): Promise<Map<string, ModelData>> {
  const feeds = new Map<string, Float32Array | Int8Array>();
  for (const t of part.inputs) {
    const v = live.get(t);
    if (!(v instanceof Float32Array || v instanceof Int8Array)) throw new RanasError('E_SEGMENT_WIRING', `${what} input ${t} was not produced by an earlier trunk`);
    feeds.set(t, v);
  }
  return session.run(feeds);
}

/**
 * Per exit: true when trunks 0..k then head k reproduce the monolithic logits of exit k on every image.
 * Each head runs on the trunk tensors alone (no other head has run), as on the device.
 */
export async function partsMatchMonolithic(
  monolithic: ModelSession,
  parts: readonly { trunk: SegmentPart; head: SegmentPart }[],
  bytes: readonly PartBytes[],
  runtime: BundleRuntime,
  shapes: Map<string, number[]>,
  input: string,
  images: Float32Array[],
  inputQuant?: TensorQuant,
): Promise<boolean[]> {
  const trunks = await Promise.all(bytes.map((b) => OPEN_MODEL[runtime](b.trunk, shapes)));
  const heads = await Promise.all(bytes.map((b) => OPEN_MODEL[runtime](b.head, shapes)));
  try {
    const ok = parts.map(() => true);
    for (const image of images) {
      const x = inputQuant ? quantizeTensor(image, inputQuant) : image;
      const mono = await monolithic.run(new Map([[input, x]]));
      const live = new Map<string, ModelData>([[input, x]]);
      for (let k = 0; k < parts.length; k++) {
        for (const [t, v] of await runPart(trunks[k], parts[k].trunk, live, `trunk ${k}`)) live.set(t, v);
        const exit = parts[k].head.outputs[0];
        const logits = (await runPart(heads[k], parts[k].head, live, `head ${k}`)).get(exit);
        if (!sameValues(logits, mono.get(exit))) ok[k] = false;
      }
    }
    return ok;
  } finally {
    await Promise.all([...trunks, ...heads].map((s) => s.release()));
  }
}
