/**
 * A bundle's segments loaded and wired: for every input of segment k, which earlier segment's output
 * (or the model input) feeds it. `feed(k)` copies those tensors into segment k's input buffers — the one
 * copy between segments; int8 values move as they are (a tensor crossing a cut has one scale and zero
 * point on both sides, so nothing is requantised).
 */
import { RanasError } from '../../src/errors.ts';
import type { BundleManifest } from '../../src/bundle-format/manifest.ts';
import type { LoadedSegment } from '../runtimes/runtime.ts';

type Source = { segment: number; output: number } | { segment: 0; modelInput: number };

export interface Chain {
  readonly manifest: BundleManifest;
  readonly segments: readonly LoadedSegment[];
  /** Index of each segment's exit logits among its outputs. */
  readonly logitsIndex: readonly number[];
  /** Copies segment k's inputs from where they were produced (no-op for segment 0). */
  feed(k: number): void;
  dispose(): Promise<void>;
}

/** Wires loaded segments (in manifest order); throws E_SEGMENT_WIRING naming a tensor nothing produces. */
export function wireChain(manifest: BundleManifest, segments: LoadedSegment[]): Chain {
  const sources: Source[][] = manifest.segments.map((seg, k) => seg.inputs.map((t) => {
    if (k === 0) return { segment: 0, modelInput: 0 };
    const firstInput = manifest.segments[0].inputs.findIndex((x) => x.name === t.name);
    for (let j = k - 1; j >= 0; j--) {
      const o = manifest.segments[j].outputs.findIndex((x) => x.name === t.name);
      if (o >= 0) {
        const produced = manifest.segments[j].outputs[o];
        if (produced.dtype !== t.dtype || produced.scale !== t.scale || produced.zeroPoint !== t.zeroPoint || produced.shape.join() !== t.shape.join()) {
          throw new RanasError('E_SEGMENT_WIRING', `tensor '${t.name}' leaves segment ${j} as [${produced.shape}] ${produced.dtype} scale ${produced.scale} zp ${produced.zeroPoint} but enters segment ${k} as [${t.shape}] ${t.dtype} scale ${t.scale} zp ${t.zeroPoint}; a tensor crossing a cut must match on both sides`, { tensor: t.name });
        }
        return { segment: j, output: o };
      }
    }
    if (firstInput >= 0) return { segment: 0, modelInput: firstInput };
    throw new RanasError('E_SEGMENT_WIRING', `segment ${k} input '${t.name}' is produced by no earlier segment`, { tensor: t.name, segment: k });
  }));
  const logitsIndex = manifest.segments.map((s) => s.outputs.findIndex((t) => t.name === s.exit.logits));
  return {
    manifest,
    segments,
    logitsIndex,
    feed(k) {
      if (k === 0) return;
      const dst = segments[k].inputs;
      const src = sources[k];
      for (let i = 0; i < src.length; i++) {
        const s = src[i];
        dst[i].set('output' in s ? segments[s.segment].outputs[s.output] : segments[0].inputs[s.modelInput]);
      }
    },
    dispose: async () => {
      await Promise.all(segments.map((s) => s.dispose()));
    },
  };
}
