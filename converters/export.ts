/**
 * `ranas export`: IR model → bundles. Pipeline (each step a pure function of the converters):
 * foldBatchNorm → fuseRelu → [int8: calibrate on N train images normalised exactly as in training →
 * quantizeGraph → (edgetpu: lintEdgeTpu)] → cutSegments → writers (TFLite, ONNX) → bundles.
 *
 * Output folder layout: one bundle per format and precision, `<out>/<format>-<precision>/` (e.g.
 * `tflite-fp32/`, `onnx-int8/`); with `--int8` the fp32 bundles are written too, so sizes and accuracy can
 * be compared. `<out>/export-report.json` holds sizes, per-exit MACs and per-exit top-1 of every bundle's
 * monolithic model run in its real runtime (TFLite 2.9 / onnxruntime) on the test split, when data is given.
 * Exit confidence thresholds default to 0.9 (the last exit: 0, it always answers).
 * With `splitHeads` (`--split-heads`) every bundle also holds each segment as a trunk and a head file
 * (split-heads.ts) for the device's `planned` policy; they are checked like the chain (check-parts.ts) and
 * the report states each head's MACs and the heads' share of the full cost. Off by default: the parts hold
 * the segments' weights a second time (about twice the bundle), which a device only needs for `planned`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RanasError } from '../src/errors.ts';
import type { ModelGraph } from '../src/ir/types.ts';
import { validateGraph } from '../src/ir/validate.ts';
import { analyzeGraph, withExitMacs } from '../src/ir/analysis.ts';
import type { ImageDataset } from '../src/data/types.ts';
import { defaultNormalisation, evalBatch, type Normalisation } from '../src/data/augment.ts';
import { subset } from '../src/data/splits.ts';
import { gitCommit, packageVersion } from '../src/run-folder.ts';
import type { ModelFacts } from './describe/model-facts.ts';
import type { BundlePrecision } from '../src/bundle-format/manifest.ts';
import { foldBatchNorm } from './passes/fold-batch-norm.ts';
import { fuseRelu } from './passes/fuse-relu.ts';
import { calibrate } from './quantize/calibrate.ts';
import { quantizeGraph } from './quantize/quantize.ts';
import { cutSegments } from './segments.ts';
import type { QuantizedGraph, Segment } from './quant-types.ts';
import { writeTflite } from './tflite/write-tflite.ts';
import { writeOnnx } from './onnx/write-onnx.ts';
import { lintEdgeTpu } from './edgetpu-lint.ts';
import { writeBundle, type SegmentFile } from './bundle/write-bundle.ts';
import { bundleTensors, RUNTIME_DIMS, RUNTIME_LAYOUT } from './bundle/bundle-tensors.ts';
import { modelInfo, type ModelInfo } from './bundle/model-info.ts';
import { OPEN_MODEL } from './bundle/model-runtimes.ts';
import { exitAccuracies, type LabelledImages } from './bundle/evaluate-exits.ts';
import { chainedMatchesMonolithic } from './bundle/check-chain.ts';
import { partsMatchMonolithic } from './bundle/check-parts.ts';
import { splitHeads, type SplitSegment } from './split-heads.ts';

import { EXPORT_FORMATS, type ExportFormat } from './export-formats.ts';
export { EXPORT_FORMATS, type ExportFormat } from './export-formats.ts';

/** Options of one export (the CLI parses into this). */
export interface ExportOptions {
  outDir: string;
  formats: ExportFormat[];
  int8: boolean;
  /** Calibration images from the train split (default 512). */
  calibImages: number;
  /** Percentile calibration with this upper percentile; min/max when undefined. */
  percentile?: number;
  target: 'generic' | 'edgetpu';
  /** int8 models take and give float32 (QUANTIZE/DEQUANTIZE at the ends). */
  floatIo: boolean;
  /** Test images for the accuracy table (0 skips it). */
  evalImages: number;
  /** Train/test data (calibration and evaluation), with where it came from. */
  data?: { train: ImageDataset; test: ImageDataset; name: string; source: string };
  /**
   * Precision chosen by measurement: each int8 bundle also carries the fp32 segments of its format, with both
   * precisions' exit accuracies, and the device runs per segment the faster form within `toleranceTop1`.
   */
  precisionChoice?: { toleranceTop1: number };
  /** Exit confidence threshold in the manifests (default 0.9). */
  confidenceThreshold?: number;
  /** Also write every segment as trunk + head files (the `planned` policy's parts). Default false. */
  splitHeads?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** One written bundle. */
export interface BundleReport {
  name: string;
  dir: string;
  runtime: ExportFormat;
  precision: BundlePrecision;
  /** Sum of the segment files. */
  segmentsBytes: number;
  monolithicBytes: number;
  /** Every file of the bundle (segments + monolithic). */
  totalBytes: number;
  /** Top-1 per exit (0..1) of the monolithic model in its runtime; null when not evaluated. */
  exitAccuracy: (number | null)[];
  /** Chained segments gave the monolithic model's final logits on the checked images. */
  chainMatches: boolean | null;
  /** Split bundles: per exit, trunks 0..k then head k gave the monolithic logits of exit k; null when not checked. */
  partsMatch?: boolean[] | null;
  /** Split bundles: sum of the trunk and head files. */
  partsBytes?: number;
  /** Precisions of the segment variants the bundle carries besides its own (precision chosen on the device). */
  variants?: BundlePrecision[];
}

/** Heads of a split export: each head's MACs and the heads' share of the full anytime cost. */
export interface HeadCosts {
  headMacs: number[];
  /** MACs of every head / the last exit's anytime MACs (trunk + every head). */
  shareOfFullCost: number;
  /** Per exit: trunk up to it + its own head (what `planned` pays) / anytime MACs (every head up to it). */
  plannedOverAnytime: number[];
}

/** A written bundle's segments, to be carried by another bundle of the same format as variants. */
interface WrittenSegments {
  precision: BundlePrecision;
  files: SegmentFile[];
  exitAccuracy: (number | null)[];
}

/** The export report (`export-report.json`). */
export interface ExportReport {
  model: ModelInfo;
  exits: { index: number; tensor: string; cumulativeMacs: number }[];
  segments: { index: number; nodes: number; inputs: string[]; outputs: string[] }[];
  bundles: BundleReport[];
  /** With `splitHeads`. */
  heads?: HeadCosts;
  calibration: { images: number; method: 'minmax' | 'percentile'; percentile: number | null } | null;
  evaluation: { images: number; source: string } | null;
  target: 'generic' | 'edgetpu';
  floatIo: boolean;
  createdAt: string;
}

const CHAIN_CHECK_IMAGES = 4;

type Writer = (graph: ModelGraph, part: { nodes: string[]; inputs: string[]; outputs: string[] }, shapes: Map<string, number[]>, opts: { quant?: QuantizedGraph; floatIo?: boolean; name?: string; describe?: ModelFacts }) => Uint8Array;

/** The writer of each format. */
const WRITERS: Record<ExportFormat, Writer> = {
  tflite: (g, part, shapes, opts) => writeTflite(g, part, shapes, opts),
  onnx: (g, part, shapes, opts) => writeOnnx(g, part, shapes, opts),
};

/** `n` images of `ds` (a stratified subset) normalised as in training, one Float32Array each. */
export function normalisedImages(ds: ImageDataset, n: number, norm: Normalisation, seed = 0): LabelledImages {
  const sub = n >= ds.count ? ds : subset(ds, n, seed);
  const batch = evalBatch(sub, Int32Array.from({ length: sub.count }, (_, i) => i), norm);
  const size = sub.height * sub.width * sub.channels;
  const images = Array.from({ length: sub.count }, (_, i) => batch.x.slice(i * size, (i + 1) * size));
  return { images, labels: batch.y };
}

function checkOptions(graph: ModelGraph, o: ExportOptions): void {
  if (o.precisionChoice && !o.int8) throw new RanasError('E_EXPORT_OPTIONS', '--precision-choice needs --int8 (it puts fp32 segments beside the int8 ones)');
  if (o.formats.length === 0) throw new RanasError('E_EXPORT_OPTIONS', `no format chosen; expected some of ${EXPORT_FORMATS.join(', ')}`);
  if (o.target === 'edgetpu' && !o.int8) throw new RanasError('E_EXPORT_OPTIONS', '--target edgetpu needs --int8 (the Edge TPU runs int8 models only)');
  if (o.int8 && !o.data) throw new RanasError('E_EXPORT_OPTIONS', 'int8 export needs calibration images from the train split, but no dataset is available');
  if (!Number.isInteger(o.calibImages) || o.calibImages < 1) throw new RanasError('E_EXPORT_OPTIONS', `--calib is ${o.calibImages}; expected a positive integer`);
  if (o.data) {
    const [h, w, c] = graph.inputs[0]?.shape ?? [];
    for (const [split, ds] of [['train', o.data.train], ['test', o.data.test]] as const) {
      if (ds.height !== h || ds.width !== w || ds.channels !== c) {
        throw new RanasError('E_EXPORT_DATA', `the ${split} images of ${o.data.name} are ${ds.height}x${ds.width}x${ds.channels}; the model input ${graph.inputs[0]?.name} expects ${h}x${w}x${c}`);
      }
    }
  }
  if (o.percentile !== undefined && !(o.percentile > 50 && o.percentile <= 100)) {
    throw new RanasError('E_EXPORT_OPTIONS', `--percentile is ${o.percentile}; expected a value in (50, 100]`);
  }
}

/** Quantises the prepared graph on calibration images; applies the Edge TPU lint when asked. */
function quantize(prepared: ModelGraph, shapes: Map<string, number[]>, info: ModelInfo, o: ExportOptions): QuantizedGraph {
  if (!o.data) throw new RanasError('E_EXPORT_OPTIONS', 'int8 export needs calibration data');
  if (o.data.train.count < o.calibImages) {
    throw new RanasError('E_CALIB_TOO_FEW', `--calib ${o.calibImages} asks for more calibration images than the train split has (${o.data.train.count} in ${o.data.source})`, { found: o.data.train.count, expected: o.calibImages });
  }
  const calib = normalisedImages(o.data.train, o.calibImages, info.normalisation, 1);
  o.log?.(`calibrating on ${calib.images.length} train images (${o.percentile === undefined ? 'min/max' : `percentile ${o.percentile}`})`);
  const ranges = calibrate(prepared, calib.images, {
    method: o.percentile === undefined ? 'minmax' : 'percentile',
    percentile: o.percentile,
    minImages: Math.min(o.calibImages, calib.images.length),
  });
  const q = quantizeGraph(prepared, ranges);
  if (o.target === 'edgetpu') {
    const violations = lintEdgeTpu(q, shapes);
    if (violations.length > 0) {
      throw new RanasError('E_EDGETPU_LINT', `the int8 model breaks ${violations.length} Edge TPU constraint(s):\n${violations.map((v) => `  ${v.node}: [${v.rule}] ${v.message}`).join('\n')}`, { violations });
    }
    o.log?.('Edge TPU lint: no violations');
  }
  return q;
}

/** Writes one bundle (format × precision) and measures it. */
async function exportBundle(
  prepared: ModelGraph,
  shapes: Map<string, number[]>,
  segments: Segment[],
  info: ModelInfo,
  runtime: ExportFormat,
  q: QuantizedGraph | undefined,
  o: ExportOptions,
  evalSet: LabelledImages | undefined,
  variantsFrom: WrittenSegments | undefined,
  split?: SplitSegment[],
): Promise<BundleReport & { written: WrittenSegments }> {
  const precision: BundlePrecision = q ? 'int8' : 'fp32';
  const name = `${runtime}-${precision}`;
  const floatIo = Boolean(q && o.floatIo);
  const ioQuant = q && !floatIo ? q.activations : undefined;
  const describe: ModelFacts = {
    name: info.name,
    description: `${info.name}: multi-exit image classifier (${prepared.exits.length} exits, ${info.dataset}; genotype ${info.genotypeHash}), ${precision}, exported by ranas`,
    version: `ranas ${packageVersion()} (${gitCommit()})`,
    classNames: info.classNames,
    normalisation: info.normalisation,
    exits: new Map(prepared.exits.map((e, k) => [e.tensor, { exit: k + 1, cumulativeMacs: e.cumulativeMacs }])),
  };
  const writeOpts = { quant: q, floatIo: q ? floatIo : undefined, name: `${prepared.name}`, describe };
  const input = prepared.inputs[0];
  const exitTensors = prepared.exits.map((e) => e.tensor);
  const whole = { nodes: prepared.nodes.map((n) => n.name), inputs: [input.name], outputs: exitTensors };
  o.log?.(`writing ${name}`);
  const monolithic = WRITERS[runtime](prepared, whole, shapes, { ...writeOpts, name: `${prepared.name} (all exits)` });
  const segmentBytes = segments.map((s) => WRITERS[runtime](prepared, s, shapes, { ...writeOpts, name: `${prepared.name} segment ${s.index}` }));
  const partBytes = split?.map((s) => ({
    trunk: WRITERS[runtime](prepared, s.trunk, shapes, { ...writeOpts, name: `${prepared.name} trunk ${s.index}` }),
    head: WRITERS[runtime](prepared, s.head, shapes, { ...writeOpts, name: `${prepared.name} head ${s.index}` }),
  }));

  let exitAccuracy: (number | null)[] = exitTensors.map(() => null);
  let chainMatches: boolean | null = null;
  let partsMatch: boolean[] | null = null;
  if (evalSet && evalSet.images.length > 0) {
    const inputQuant = ioQuant?.[input.name];
    const session = await OPEN_MODEL[runtime](monolithic, shapes);
    try {
      o.log?.(`evaluating ${name} on ${evalSet.images.length} test images`);
      exitAccuracy = await exitAccuracies(session, input.name, exitTensors, evalSet, inputQuant);
      chainMatches = await chainedMatchesMonolithic(session, segments, segmentBytes, runtime, shapes, input.name, evalSet.images.slice(0, CHAIN_CHECK_IMAGES), inputQuant);
      if (split && partBytes) {
        partsMatch = await partsMatchMonolithic(session, split, partBytes, runtime, shapes, input.name, evalSet.images.slice(0, CHAIN_CHECK_IMAGES), inputQuant);
        o.log?.(`${name}: trunk + head parts ${partsMatch.every(Boolean) ? 'match' : 'DO NOT match'} the monolithic model at every exit`);
      }
    } finally {
      await session.release();
    }
  }

  const threshold = o.confidenceThreshold ?? 0.9;
  const files: SegmentFile[] = segments.map((s, k) => {
    const exit = prepared.exits[k];
    return {
      bytes: segmentBytes[k],
      inputs: bundleTensors(s.inputs, shapes, runtime, ioQuant),
      outputs: bundleTensors(s.outputs, shapes, runtime, ioQuant),
      exit: {
        index: k,
        cumulativeMacs: exit.cumulativeMacs,
        ...(exitAccuracy[k] === null ? {} : { accuracy: exitAccuracy[k] ?? undefined }),
        confidenceThreshold: k === segments.length - 1 ? 0 : threshold,
        logits: s.exitTensor,
      },
      ...(variantsFrom ? {
        variants: [{
          precision: variantsFrom.precision, bytes: variantsFrom.files[k].bytes, inputs: variantsFrom.files[k].inputs, outputs: variantsFrom.files[k].outputs,
          ...(variantsFrom.exitAccuracy[k] === null ? {} : { accuracy: variantsFrom.exitAccuracy[k] ?? undefined }),
        }],
      } : {}),
    };
  });
  const inQ = ioQuant?.[input.name];
  const dir = join(resolve(o.outDir), name);
  writeBundle(dir, {
    model: { name: info.name, genotypeHash: info.genotypeHash, dataset: info.dataset, classNames: info.classNames },
    runtime,
    precision,
    input: {
      shape: RUNTIME_DIMS[runtime](input.shape),
      layout: RUNTIME_LAYOUT[runtime],
      dtype: inQ ? 'int8' : 'float32',
      mean: [...info.normalisation.mean],
      std: [...info.normalisation.std],
      ...(inQ ? { scale: inQ.scale, zeroPoint: inQ.zeroPoint } : {}),
    },
    producer: { name: 'ranas', version: packageVersion(), gitCommit: gitCommit() },
    segments: files,
    ...(variantsFrom && o.precisionChoice ? { precisionChoice: o.precisionChoice } : {}),
    monolithic: { bytes: monolithic, outputs: bundleTensors(exitTensors, shapes, runtime, ioQuant) },
    ...(split && partBytes ? {
      split: split.map((s, k) => ({
        trunk: { bytes: partBytes[k].trunk, inputs: bundleTensors(s.trunk.inputs, shapes, runtime, ioQuant), outputs: bundleTensors(s.trunk.outputs, shapes, runtime, ioQuant) },
        head: { bytes: partBytes[k].head, inputs: bundleTensors(s.head.inputs, shapes, runtime, ioQuant), outputs: bundleTensors(s.head.outputs, shapes, runtime, ioQuant) },
      })),
    } : {}),
  });
  const segmentsBytes = segmentBytes.reduce((s, b) => s + b.length, 0);
  const variantBytes = variantsFrom ? variantsFrom.files.reduce((n, f) => n + f.bytes.length, 0) : 0;
  const partsBytes = partBytes?.reduce((sum, p) => sum + p.trunk.length + p.head.length, 0);
  return {
    name, dir, runtime, precision, segmentsBytes, monolithicBytes: monolithic.length, totalBytes: segmentsBytes + variantBytes + monolithic.length + (partsBytes ?? 0), exitAccuracy, chainMatches,
    ...(variantsFrom ? { variants: [variantsFrom.precision] } : {}),
    ...(split ? { partsMatch, partsBytes } : {}),
    written: { precision, files, exitAccuracy },
  };
}

/** Each head's MACs and the heads' share of the full cost (`prepared`: the graph as exported). */
export function headCosts(prepared: ModelGraph, split: readonly SplitSegment[]): HeadCosts {
  const cost = analyzeGraph(prepared);
  const macsOf = new Map(cost.nodes.map((n) => [n.name, n.macs]));
  const headMacs = split.map((s) => s.head.nodes.reduce((sum, n) => sum + (macsOf.get(n) ?? 0), 0));
  const full = cost.exits[cost.exits.length - 1]?.anytimeMacs ?? 0;
  return {
    headMacs,
    shareOfFullCost: full > 0 ? headMacs.reduce((a, b) => a + b, 0) / full : 0,
    plannedOverAnytime: cost.exits.map((e) => (e.anytimeMacs > 0 ? e.pathMacs / e.anytimeMacs : 1)),
  };
}

/** Runs the whole export of `graph` (as loaded from a model folder). */
export async function exportModel(graph: ModelGraph, o: ExportOptions): Promise<ExportReport> {
  checkOptions(graph, o);
  // Exit costs recomputed from the graph (trunk + every head up to the exit), so an older model.json agrees too.
  const prepared = withExitMacs(fuseRelu(foldBatchNorm(graph)));
  const shapes = validateGraph(prepared);
  const classes = shapes.get(prepared.exits[0]?.tensor ?? '')?.[0] ?? 0;
  const info = modelInfo(graph, {
    dataset: o.data?.name ?? 'unknown',
    classNames: o.data ? [...o.data.test.classNames] : Array.from({ length: classes }, (_, i) => `class${i}`),
    normalisation: defaultNormalisation({ channels: prepared.inputs[0]?.shape[2] ?? 3 }),
  });
  const q = o.int8 ? quantize(prepared, shapes, info, o) : undefined;
  const segments = cutSegments(prepared);
  const split = o.splitHeads ? splitHeads(prepared, segments) : undefined;
  const evalSet = o.data && o.evalImages > 0 ? normalisedImages(o.data.test, o.evalImages, info.normalisation, 2) : undefined;
  const bundles: BundleReport[] = [];
  for (const runtime of o.formats) {
    const { written, ...fp32 } = await exportBundle(prepared, shapes, segments, info, runtime, undefined, o, evalSet, undefined, split);
    bundles.push(fp32);
    if (q) {
      const { written: _, ...int8 } = await exportBundle(prepared, shapes, segments, info, runtime, q, o, evalSet, o.precisionChoice ? written : undefined, split);
      bundles.push(int8);
    }
  }
  const report: ExportReport = {
    model: info,
    exits: prepared.exits.map((e) => ({ index: e.index, tensor: e.tensor, cumulativeMacs: e.cumulativeMacs })),
    segments: segments.map((s) => ({ index: s.index, nodes: s.nodes.length, inputs: s.inputs, outputs: s.outputs })),
    bundles,
    ...(split ? { heads: headCosts(prepared, split) } : {}),
    calibration: q ? { images: o.calibImages, method: o.percentile === undefined ? 'minmax' : 'percentile', percentile: o.percentile ?? null } : null,
    evaluation: evalSet && o.data ? { images: evalSet.images.length, source: o.data.source } : null,
    target: o.target,
    floatIo: o.floatIo,
    createdAt: new Date().toISOString(),
  };
  mkdirSync(resolve(o.outDir), { recursive: true });
  writeFileSync(join(resolve(o.outDir), 'export-report.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}
