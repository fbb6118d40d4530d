/**
 * A bundle's segments loaded and wired: for every input of segment k, which earlier segment's output
 * (or the model input) feeds it. `feed(k)` copies those tensors into segment k's input buffers — the one
 * copy between segments; int8 values move as they are (a tensor crossing a cut has one scale and zero
 * point on both sides, so nothing is requantised). When segments run in different precisions (precision
 * chosen by measurement, `forms`), a tensor crossing between them is converted in that same copy.
 */
import { RanasError } from '../../src/errors.ts';
import type { BundleManifest, BundleTensor } from '../../src/bundle-format/manifest.ts';
import { segmentForms, type SegmentForm } from '../../src/bundle-format/segment-variants.ts';
import type { LoadedSegment, TensorArray } from '../runtimes/runtime.ts';
import { converterOf, sameRepresentation, type TensorConverter } from './convert-tensor.ts';

type Source = ({ segment: number; output: number } | { segment: 0; modelInput: number }) & { convert: TensorConverter };

export interface Chain {
  readonly manifest: BundleManifest;
  readonly segments: readonly LoadedSegment[];
  /** The form (precision, file, tensors) each segment was loaded in. */
  readonly forms: readonly SegmentForm[];
  /** Index of each segment's exit logits among its outputs. */
  readonly logitsIndex: readonly number[];
  /** Copies segment k's inputs from where they were produced (no-op for segment 0). */
  feed(k: number): void;
  dispose(): Promise<void>;
}

/**
 * Wires loaded segments (in manifest order), segment k loaded as `forms[k]` (default: the manifest's own
 * precision); throws E_SEGMENT_WIRING naming a tensor nothing produces, or one whose two sides disagree
 * while running in the same precision.
 */
export function wireChain(manifest: BundleManifest, segments: LoadedSegment[], forms: readonly SegmentForm[] = manifest.segments.map((_, k) => segmentForms(manifest, k)[0])): Chain {
  const copy = (src: TensorArray, dst: TensorArray) => dst.set(src);
  const hand = (from: BundleTensor, to: BundleTensor, fromPrecision: string, toPrecision: string, where: string): TensorConverter => {
    if (from.shape.join() !== to.shape.join() || (fromPrecision === toPrecision && !sameRepresentation(from, to))) {
      throw new RanasError('E_SEGMENT_WIRING', `tensor '${to.name}' leaves ${where} as [${from.shape}] ${from.dtype} scale ${from.scale} zp ${from.zeroPoint} but enters as [${to.shape}] ${to.dtype} scale ${to.scale} zp ${to.zeroPoint}; a tensor crossing a cut must match on both sides`, { tensor: to.name });
    }
    return sameRepresentation(from, to) ? copy : converterOf(from, to);
  };
  const sources: Source[][] = forms.map((form, k) => form.inputs.map((t) => {
    if (k === 0) return { segment: 0, modelInput: 0, convert: copy };
    const firstInput = forms[0].inputs.findIndex((x) => x.name === t.name);
    for (let j = k - 1; j >= 0; j--) {
      const o = forms[j].outputs.findIndex((x) => x.name === t.name);
      if (o >= 0) return { segment: j, output: o, convert: hand(forms[j].outputs[o], t, forms[j].precision, form.precision, `segment ${j} for segment ${k}`) };
    }
    if (firstInput >= 0) return { segment: 0, modelInput: firstInput, convert: hand(forms[0].inputs[firstInput], t, forms[0].precision, form.precision, `the model input for segment ${k}`) };
    throw new RanasError('E_SEGMENT_WIRING', `segment ${k} input '${t.name}' is produced by no earlier segment`, { tensor: t.name, segment: k });
  }));
  const logitsIndex = manifest.segments.map((s) => s.outputs.findIndex((t) => t.name === s.exit.logits));
  return {
    manifest,
    segments,
    forms,
    logitsIndex,
    feed(k) {
      if (k === 0) return;
      const dst = segments[k].inputs;
      const src = sources[k];
      for (let i = 0; i < src.length; i++) {
        const s = src[i];
        s.convert('output' in s ? segments[s.segment].outputs[s.output] : segments[0].inputs[s.modelInput], dst[i]);
      }
    },
    dispose: async () => {
      await Promise.all(segments.map((s) => s.dispose()));
    },
  };
}
