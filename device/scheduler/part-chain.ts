/**
 * A split bundle's trunks and heads loaded and wired (`manifest.split`, issue 18): for every input of a part,
 * which trunk's output (or the model input, held in trunk 0's input buffer) feeds it. Heads read trunks only,
 * so a run may skip any head. `feedTrunk(k)` / `feedHead(k)` copy those tensors into the part's input
 * buffers; int8 values move as they are (one scale and zero point on both sides of every cut, checked here).
 */
import { RanasError } from '../../src/errors.ts';
import type { BundleManifest, BundlePart, BundleTensor } from '../../src/bundle-format/manifest.ts';
import type { LoadedSegment } from '../runtimes/runtime.ts';

type Source = { trunk: number; output: number } | { modelInput: number };

export interface PartChain {
  readonly manifest: BundleManifest;
  readonly trunks: readonly LoadedSegment[];
  readonly heads: readonly LoadedSegment[];
  /** Copies trunk k's inputs from earlier trunks (the model input stays in trunk 0's buffer). */
  feedTrunk(k: number): void;
  /** Copies head k's inputs from trunks 0..k. */
  feedHead(k: number): void;
  dispose(): Promise<void>;
}

function sameTensor(a: BundleTensor, b: BundleTensor): boolean {
  return a.dtype === b.dtype && a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.shape.join() === b.shape.join();
}

/** Where each input of `part` comes from: trunks 0..last (latest first), else the model input (trunk 0's inputs). */
function sourcesOf(parts: readonly BundlePart[], part: BundlePart, last: number, what: string): Source[] {
  const modelInputs = parts[0].inputs;
  return part.inputs.map((t) => {
    for (let j = last; j >= 0; j--) {
      const o = parts[j].outputs.findIndex((x) => x.name === t.name);
      if (o < 0) continue;
      const produced = parts[j].outputs[o];
      if (!sameTensor(produced, t)) {
        throw new RanasError('E_SEGMENT_WIRING', `tensor '${t.name}' leaves trunk ${j} as [${produced.shape}] ${produced.dtype} scale ${produced.scale} zp ${produced.zeroPoint} but enters ${what} as [${t.shape}] ${t.dtype} scale ${t.scale} zp ${t.zeroPoint}; a tensor crossing a cut must match on both sides`, { tensor: t.name });
      }
      return { trunk: j, output: o };
    }
    const m = modelInputs.findIndex((x) => x.name === t.name);
    if (m >= 0 && sameTensor(modelInputs[m], t)) return { modelInput: m };
    throw new RanasError('E_SEGMENT_WIRING', `${what} input '${t.name}' is produced by no earlier trunk`, { tensor: t.name });
  });
}

/** Wires loaded trunks and heads (in `manifest.split` order); throws E_SEGMENT_WIRING naming a tensor nothing produces. */
export function wirePartChain(manifest: BundleManifest, trunks: LoadedSegment[], heads: LoadedSegment[]): PartChain {
  const split = manifest.split;
  if (!split || split.length !== trunks.length || split.length !== heads.length) {
    throw new RanasError('E_SEGMENT_WIRING', `${trunks.length} trunks and ${heads.length} heads loaded; the manifest splits ${split?.length ?? 0} segments`);
  }
  const trunkParts = split.map((s) => s.trunk);
  if (trunkParts[0].inputs.length !== 1 || !sameTensor(trunkParts[0].inputs[0], { ...manifest.input, name: trunkParts[0].inputs[0].name })) {
    throw new RanasError('E_SEGMENT_WIRING', `trunk 0 reads ${trunkParts[0].inputs.map((t) => `${t.name} [${t.shape}] ${t.dtype}`).join(', ')}; expected the model input [${manifest.input.shape}] ${manifest.input.dtype} alone`);
  }
  const trunkSources = split.map((s, k) => (k === 0 ? [] : sourcesOf(trunkParts, s.trunk, k - 1, `trunk ${k}`)));
  const headSources = split.map((s, k) => sourcesOf(trunkParts, s.head, k, `head ${k}`));
  const copy = (dst: LoadedSegment, sources: readonly Source[]) => {
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i];
      dst.inputs[i].set('trunk' in s ? trunks[s.trunk].outputs[s.output] : trunks[0].inputs[s.modelInput]);
    }
  };
  return {
    manifest,
    trunks,
    heads,
    feedTrunk: (k) => copy(trunks[k], trunkSources[k]),
    feedHead: (k) => copy(heads[k], headSources[k]),
    dispose: async () => {
      await Promise.all([...trunks, ...heads].map((s) => s.dispose()));
    },
  };
}
