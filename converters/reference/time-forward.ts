/**
 * Timing of the plain-TS executors on model presets (not a test: wall-clock numbers depend on the
 * machine and its load). Prints, per preset, the ms per image of calibration (every tensor kept),
 * referenceForward and integerForward to the exits, on random 32×32 images.
 *
 *   node --import tsx converters/reference/time-forward.ts [images=8] [preset ...]
 */
import { printTable, type Row } from '../../src/text-table.ts';
import { buildPreset } from '../../src/model/presets.ts';
import { foldBatchNorm } from '../passes/fold-batch-norm.ts';
import { fuseRelu } from '../passes/fuse-relu.ts';
import { calibrate } from '../quantize/calibrate.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import { quantizeGraph } from '../quantize/quantize.ts';
import { integerForward } from './integer-forward.ts';
import { referenceForward } from './reference-forward.ts';
import { randomImage } from './test-graphs.ts';

function msPerImage(images: Float32Array[], run: (x: Float32Array) => void): number {
  const t = performance.now();
  for (const x of images) run(x);
  return Math.round((performance.now() - t) / images.length);
}

const count = Number(process.argv[2] ?? 8);
const presets = process.argv.length > 3 ? process.argv.slice(3) : ['tiny', 'paper-cifar'];
const rows: Row[] = [];
for (const preset of presets) {
  const graph = fuseRelu(foldBatchNorm(buildPreset(preset)));
  const images = Array.from({ length: count }, (_, i) => randomImage(graph.inputs[0].shape, i + 1));
  const exits = graph.exits.map((e) => e.tensor);
  const t = performance.now();
  const ranges = calibrate(graph, images, { method: 'minmax', minImages: count });
  const calibrateMs = Math.round((performance.now() - t) / count);
  const q = quantizeGraph(graph, ranges);
  rows.push({
    preset,
    nodes: graph.nodes.length,
    calibrateMsPerImage: calibrateMs,
    referenceForwardMs: msPerImage(images, (x) => referenceForward(graph, x, exits)),
    integerForwardMs: msPerImage(images, (x) => integerForward(q, quantizeTensor(x, q.activations[graph.inputs[0].name]), exits)),
  });
}
printTable(rows, { title: `plain-TS executors, ${count} images each` });
