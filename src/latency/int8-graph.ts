/**
 * A network as the device runs it, for latency work: batch-norm folded, ReLU fused, quantised to int8 on a
 * few seeded random images (an op's run time does not depend on its scales), with its tensor shapes. The op
 * models of the table and the bundles the predictor is checked against are written from this one pipeline,
 * so the fragments measured alone are the very nodes the segments run.
 */
import type { ModelGraph } from '../ir/types.ts';
import { validateGraph } from '../ir/validate.ts';
import { Rng } from '../rng.ts';
import { calibrate } from '../../converters/quantize/calibrate.ts';
import { quantizeGraph } from '../../converters/quantize/quantize.ts';
import { foldBatchNorm } from '../../converters/passes/fold-batch-norm.ts';
import { fuseRelu } from '../../converters/passes/fuse-relu.ts';
import type { QuantizedGraph } from '../../converters/quant-types.ts';

/** Calibration images of the latency pipeline (their values do not change any op's cost). */
export const LATENCY_CALIB_IMAGES = 2;

/** A prepared, quantised graph and its tensor shapes. */
export interface Int8Graph {
  prepared: ModelGraph;
  shapes: Map<string, number[]>;
  quant: QuantizedGraph;
}

/** Folds, fuses and quantises `graph` (seeded: the same graph gives the same bytes). */
export function int8Graph(graph: ModelGraph, seed = 0): Int8Graph {
  const prepared = fuseRelu(foldBatchNorm(graph));
  const shapes = validateGraph(prepared);
  const size = prepared.inputs[0].shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(seed);
  const images = Array.from({ length: LATENCY_CALIB_IMAGES }, () => Float32Array.from({ length: size }, () => rng.normal()));
  const ranges = calibrate(prepared, images, { method: 'minmax', minImages: LATENCY_CALIB_IMAGES });
  return { prepared, shapes, quant: quantizeGraph(prepared, ranges) };
}
