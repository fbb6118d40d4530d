/**
 * TFLite writer figures per preset (batch-norm folded, ReLU fused): write time and file size of the
 * monolithic multi-exit model in fp32 and int8, and single-thread TFLite 2.9 latency per image (p50 over
 * --runs invocations, after 3 warm-ups). Calibration is min/max on a few random images (figures of size
 * and speed only; accuracy needs real data, see `ranas export`).
 *   node --import tsx bench/tflite-writer.ts [--json] [--presets tiny,paper-cifar] [--runs 30]
 */
import { printTable, type Row } from '../src/text-table.ts';
import { buildPreset } from '../src/model/presets.ts';
import { foldBatchNorm } from '../converters/passes/fold-batch-norm.ts';
import { fuseRelu } from '../converters/passes/fuse-relu.ts';
import { calibrate } from '../converters/quantize/calibrate.ts';
import { quantizeTensor } from '../converters/quantize/quant-params.ts';
import { quantizeGraph } from '../converters/quantize/quantize.ts';
import { inferShapes } from '../converters/reference/shapes.ts';
import { loadTflite } from '../converters/tflite/tflite-runner.ts';
import { seededUniform } from '../converters/tflite/testing/tiny-graphs.ts';
import { writeTflite } from '../converters/tflite/write-tflite.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const presets = option('--presets', 'tiny,paper-cifar').split(',');
const runs = Number(option('--runs', '30'));
const CALIBRATION_IMAGES = 4;

function p50(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const rows: Row[] = [];
for (const preset of presets) {
  const graph = fuseRelu(foldBatchNorm(buildPreset(preset)));
  const shapes = inferShapes(graph);
  const input = graph.inputs[0];
  const rand = seededUniform(1);
  const image = () => Float32Array.from({ length: input.shape.reduce((a, b) => a * b, 1) }, () => rand());
  const part = { nodes: graph.nodes.map((n) => n.name), inputs: [input.name], outputs: graph.exits.map((e) => e.tensor) };
  const q = quantizeGraph(graph, calibrate(graph, Array.from({ length: CALIBRATION_IMAGES }, image), { method: 'minmax', minImages: CALIBRATION_IMAGES }));
  const params = Object.values(graph.weights).reduce((n, w) => n + w.data.length, 0);
  for (const precision of ['fp32', 'int8'] as const) {
    const t0 = performance.now();
    const bytes = writeTflite(graph, part, shapes, precision === 'int8' ? { quant: q } : {});
    const writeMs = performance.now() - t0;
    const session = loadTflite(bytes, 1);
    const x = image();
    const feed = { [input.name]: precision === 'int8' ? quantizeTensor(x, q.activations[input.name]) : x };
    for (let i = 0; i < 3; i++) session.run(feed);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      session.run(feed);
      times.push(performance.now() - s);
    }
    rows.push({
      preset, precision, nodes: graph.nodes.length, exits: graph.exits.length, params,
      sizeBytes: bytes.length, writeMs: Math.round(writeMs), tfliteP50Ms: Number(p50(times).toFixed(2)),
    });
  }
}
printTable(rows, { json, title: 'TFLite writer: monolithic multi-exit model per preset (TFLite 2.9, 1 thread)' });
