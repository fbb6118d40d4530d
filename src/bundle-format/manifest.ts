/**
 * The bundle manifest: what `ranas export` writes and the device agent loads (see ../shared/DESIGN.md,
 * "Bundle"). This file holds the on-disk types; the validator that parses `unknown` into them lives in
 * `parse-manifest.ts` and refuses unknown versions with a clear error. Exporter, agent, bridge and CLI all
 * read this one module.
 */
import type { TensorDType } from './dtype.ts';

/** Manifest format identifier and the version this code reads and writes. */
export const MANIFEST_FORMAT = 'ranas-bundle';
export const MANIFEST_VERSION = 1;

export type BundleRuntime = 'tflite' | 'onnx';
export type BundlePrecision = 'fp32' | 'int8';

/** A tensor at a segment boundary. Shapes include the batch dimension (always 1 on device). */
export interface BundleTensor {
  name: string;
  shape: number[];
  dtype: TensorDType;
  /** Quantisation (int8 only): real = scale * (q - zeroPoint). */
  scale?: number;
  zeroPoint?: number;
}

/** The exit a segment ends in. */
export interface BundleExit {
  index: number;
  /** Multiply-accumulates per image of segments 0..index together (trunk + every head up to this exit). */
  cumulativeMacs: number;
  /** Top-1 on the validation/test split at export time (0..1), when measured. */
  accuracy?: number;
  /** Softmax confidence at or above which the `confidence` policy stops here. */
  confidenceThreshold: number;
  /** Name of the logits tensor among the segment's outputs. */
  logits: string;
}

/** Latency of one segment measured on a device. */
export interface SegmentLatency {
  p50Us: number;
  p99Us: number;
  runs: number;
  /** CPU threads the segment ran with, when the agent chose them by measurement (absent: not recorded). */
  threads?: number;
  /** Precision the segment ran in (absent: the manifest's). Recorded when the bundle offers a choice. */
  precision?: BundlePrecision;
}

export interface BundleSegment {
  /** File name inside the bundle (no directories). */
  file: string;
  sha256: string;
  sizeBytes: number;
  inputs: BundleTensor[];
  outputs: BundleTensor[];
  exit: BundleExit;
  /**
   * The same segment in other precisions (same cut, same tensor names and shapes), for precision chosen by
   * measurement on the device (segment-variants.ts). Absent: the manifest's precision only.
   */
  variants?: SegmentVariant[];
}

/** One segment in another precision than the manifest's. */
export interface SegmentVariant {
  precision: BundlePrecision;
  file: string;
  sha256: string;
  sizeBytes: number;
  inputs: BundleTensor[];
  outputs: BundleTensor[];
  /** Top-1 at this segment's exit (0..1) when every segment up to it runs in this precision, when measured. */
  accuracy?: number;
}

/**
 * One model file of a split segment (`ranas export --split-heads`, issue 18): trunk k or head k. Same file
 * fields as a segment; a head's only output is its exit's logits.
 */
export interface BundlePart {
  file: string;
  sha256: string;
  sizeBytes: number;
  inputs: BundleTensor[];
  outputs: BundleTensor[];
}

/**
 * Segment k split in two: trunk k computes what later parts read, head k exit k's logits (from trunk tensors
 * only). The `planned` policy runs trunks 0..k and head k alone; trunks never read a head's tensor.
 */
export interface BundleSegmentSplit {
  trunk: BundlePart;
  head: BundlePart;
}

/** Input pre-processing the device applies to raw HWC uint8 images before segment 0. */
export interface BundleInput {
  /** [1, H, W, C] (TFLite, NHWC) or [1, C, H, W] (ONNX, NCHW). */
  shape: number[];
  layout: 'NHWC' | 'NCHW';
  dtype: TensorDType;
  /** Per-channel mean and std on the 0..1 scale: x = (pixel / 255 - mean) / std. */
  mean: number[];
  std: number[];
  /** Input quantisation (int8 models). */
  scale?: number;
  zeroPoint?: number;
}

export interface BundleManifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  model: {
    name: string;
    genotypeHash: string;
    dataset: string;
    classNames: string[];
  };
  runtime: BundleRuntime;
  precision: BundlePrecision;
  input: BundleInput;
  segments: BundleSegment[];
  /** Every segment as trunk + head (one entry per segment, in order), when exported with `--split-heads`. */
  split?: BundleSegmentSplit[];
  /**
   * When segments carry variants: a segment may run in a precision whose exit accuracy is at most
   * `toleranceTop1` (0..1, e.g. 0.005 = half a point) below the best precision's at that exit.
   */
  precisionChoice?: { toleranceTop1: number };
  /** The monolithic multi-exit model, when exported. */
  monolithic?: { file: string; sha256: string; sizeBytes: number; outputs: BundleTensor[] };
  /** Filled in once profiled on a device. */
  profile?: { device: string; measuredAt: string; segments: SegmentLatency[] };
  createdAt: string;
  /** Package version and git commit of the exporter. */
  producer: { name: 'ranas'; version: string; gitCommit: string };
}

/**
 * Time a request spends outside its segments, measured by the profiler on full-path requests.
 * The scheduler adds `answer` to every predicted finish, and `input + segment 0 + answer` is exit 1's cost.
 */
export interface RequestOverhead {
  /** Arrival to segment 0's start: request checks and input preprocessing (profiled with a raw uint8 image). */
  input: SegmentLatency;
  /** The answering exit's segment end to the answer: softmax, policy, top-k, the answer itself. */
  answer: SegmentLatency;
}

/**
 * A measured latency profile of a bundle on one device (`profile.json` on the device): the manifest's profile
 * plus the request overhead (absent from profiles written before it was measured; the agent re-profiles those).
 */
export type BundleProfile = NonNullable<BundleManifest['profile']> & { overhead?: RequestOverhead; parts?: PartLatencies };

/** Latency of every trunk and head of a split bundle (`manifest.split`), measured by the agent for the `planned` policy. */
export interface PartLatencies {
  trunks: SegmentLatency[];
  heads: SegmentLatency[];
  /**
   * Trunk k then head k back to back, per run: the last step to exit k. Its p99 is not the sum of the two p99s
   * (a tail from the machine, such as a descheduling, rarely hits both), and planning with the sum would stop
   * short of exits the chain reaches.
   */
  steps: SegmentLatency[];
}

/** Every file a manifest names, with its recorded sha256 and size. */
export function manifestFiles(m: BundleManifest): { file: string; sha256: string; sizeBytes: number }[] {
  const files = m.segments.flatMap((s) => [s, ...(s.variants ?? [])].map((f) => ({ file: f.file, sha256: f.sha256, sizeBytes: f.sizeBytes })));
  for (const s of m.split ?? []) for (const part of [s.trunk, s.head]) files.push({ file: part.file, sha256: part.sha256, sizeBytes: part.sizeBytes });
  if (m.monolithic) files.push({ file: m.monolithic.file, sha256: m.monolithic.sha256, sizeBytes: m.monolithic.sizeBytes });
  return files;
}
