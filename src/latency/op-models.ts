/**
 * The op models of a supernet config: one small standalone int8 model per table key, cut out of real
 * networks with the converters' writers (the same fragment a segment runs, see `int8-graph.ts`).
 *
 * Coverage: a cell edge's key depends on its primitive, its channels, resolution and stride — the first two
 * fixed by the grid, the stride by whether it reads a cell input of a reduction cell. So one network per
 * derivable primitive, every edge of both cells that primitive, with node i reading states i and i+1
 * (the cell inputs, then intermediate nodes), yields every edge key of the space at every layer and scale;
 * the grid's fixed pieces (vertical, horizontal, diagonal, concats, pre0/pre1, sums, heads) come with them.
 * Each op model is a sandwich (`sandwich.ts`: probes around the fragment, so the runtime sees it in context);
 * plus the probe models of every boundary shape and the `invoke` model (one 1×1 max-pool on a 1×1×8 tensor:
 * what a model call costs beyond its ops).
 */
import { createHash } from 'node:crypto';
import { RanasError } from '../errors.ts';
import type { BundleRuntime } from '../bundle-format/manifest.ts';
import { INVOKE_KEY, type OpModel } from '../bundle-format/latency-table.ts';
import type { ModelGraph } from '../ir/types.ts';
import { buildMsRanas, type MsRanasConfig } from '../model/ms-ranas.ts';
import type { Genotype, GenotypeEdge } from '../model/genotype.ts';
import { DERIVABLE_PRIMITIVES } from '../model/random-genotype.ts';
import type { PrimitiveName } from '../ops/primitives.ts';
import { bundleTensors } from '../../converters/bundle/bundle-tensors.ts';
import type { QuantizedGraph } from '../../converters/quant-types.ts';
import { writeOnnx } from '../../converters/onnx/write-onnx.ts';
import { writeTflite } from '../../converters/tflite/write-tflite.ts';
import { int8Graph, type Int8Graph } from './int8-graph.ts';
import { opInstances } from './op-instances.ts';
import { probeModel, sandwichModel, type StandaloneModel } from './sandwich.ts';

type Part = { nodes: string[]; inputs: string[]; outputs: string[] };

/** Writer of each runtime's model files (int8, int8 I/O). */
export const OP_MODEL_WRITERS: Record<BundleRuntime, (g: ModelGraph, part: Part, shapes: Map<string, number[]>, quant: QuantizedGraph, name: string) => Uint8Array> = {
  tflite: (g, part, shapes, quant, name) => writeTflite(g, part, shapes, { quant, floatIo: false, name }),
  onnx: (g, part, shapes, quant, name) => writeOnnx(g, part, shapes, { quant, floatIo: false, name }),
};

/** A genotype whose every edge (both cells) is `op`; node i reads states i and i+1. */
export function uniformGenotype(op: PrimitiveName, nodes: number): Genotype {
  const edges: GenotypeEdge[] = Array.from({ length: nodes }, (_, i): GenotypeEdge[] => [[op, i], [op, i + 1]]).flat();
  const concat = Array.from({ length: nodes }, (_, i) => i + 2);
  return { normal: edges, normalConcat: concat, reduce: edges.map((e): GenotypeEdge => [e[0], e[1]]), reduceConcat: [...concat] };
}

/** Stable hash of the parts of a config that change latency (the seed does not). */
export function latencyConfigHash(config: MsRanasConfig): string {
  const { seed: _seed, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** An op model from a standalone graph. */
function opModel(m: StandaloneModel, key: string, part: string, runtime: BundleRuntime): OpModel {
  return {
    key,
    part,
    bytes: OP_MODEL_WRITERS[runtime](m.graph, { nodes: m.graph.nodes.map((n) => n.name), inputs: m.inputs, outputs: m.outputs }, m.shapes, m.quant, key),
    inputs: bundleTensors(m.inputs, m.shapes, runtime, m.quant.activations),
    outputs: bundleTensors(m.outputs, m.shapes, runtime, m.quant.activations),
  };
}

/** Key of the model of `count` probes on a tensor of `shape` (`probe1|16x16x32`). */
export function probeKey(shape: readonly number[], count: 1 | 2): string {
  return `probe${count}|${shape.join('x')}`;
}

/** The sandwiched op model of every instance of `net` whose key is not in `seen` (which it extends); adds the boundary shapes to `boundaries`. */
function modelsOf(net: Int8Graph, runtime: BundleRuntime, seen: Set<string>, boundaries: Map<string, number[]>): OpModel[] {
  const out: OpModel[] = [];
  for (const inst of opInstances(net.prepared, net.shapes)) {
    if (seen.has(inst.key)) continue;
    seen.add(inst.key);
    for (const t of [...inst.inputs, ...inst.outputs]) {
      const shape = net.shapes.get(t);
      if (shape !== undefined && shape.length === 3) boundaries.set(shape.join('x'), shape);
    }
    out.push(opModel(sandwichModel(net, inst, inst.key), inst.key, inst.part, runtime));
  }
  return out;
}

/** The invocation model: the bare call (one 1×1 max-pool on a 1×1×8 int8 tensor). */
export function invokeModel(runtime: BundleRuntime): OpModel {
  return opModel(probeModel([1, 1, 8], 0, INVOKE_KEY), INVOKE_KEY, INVOKE_KEY, runtime);
}

/**
 * Seeds of the calibration networks (random genotypes; benchmarks draw from seeds below 1000). 48: with 12, the
 * correction fitted on them left the held-out networks' mean error 3.8 % off even when both were measured in the
 * same rounds (the twelve genotypes' mix of primitives was not the held-out one's); with 48, 1.1 %
 * (results/latency/README.md, session 10).
 */
export const CALIBRATION_SEEDS: readonly number[] = Array.from({ length: 48 }, (_, i) => 1001 + i);

/**
 * The first `n` calibration seeds (undefined: the default, all of them). E_CLI_OPTION unless `n` is an integer
 * from 2 (leave-one-network-out needs two) to `CALIBRATION_SEEDS.length`.
 */
export function calibrationSeedsFor(n: number | undefined): readonly number[] | undefined {
  if (n === undefined) return undefined;
  if (!(Number.isInteger(n) && n >= 2 && n <= CALIBRATION_SEEDS.length)) {
    throw new RanasError('E_CLI_OPTION', `--calibration-networks ${n}: expected an integer 2..${CALIBRATION_SEEDS.length} (leave-one-network-out needs two)`);
  }
  return CALIBRATION_SEEDS.slice(0, n);
}

/** Key of calibration segment `segment` of the random network of `seed`. */
export function calibrationKey(seed: number, segment: number): string {
  return `calibration|seed=${seed}|segment=${segment}`;
}

/** The entry keys of calibration network `seed`, one per segment of `config`. */
export function calibrationKeys(config: { exitLayers: readonly unknown[] }, seed: number): string[] {
  return config.exitLayers.map((_, k) => calibrationKey(seed, k));
}

/** Every op model of `config` for `runtime`: the invocation model first, then one per key. */
export function buildOpModels(config: MsRanasConfig, runtime: BundleRuntime, log?: (line: string) => void): OpModel[] {
  const seen = new Set<string>();
  const boundaries = new Map<string, number[]>();
  const models: OpModel[] = [invokeModel(runtime)];
  for (const op of DERIVABLE_PRIMITIVES) {
    const net = int8Graph(buildMsRanas(uniformGenotype(op, config.nodes), config, `ops-${op}`));
    const found = modelsOf(net, runtime, seen, boundaries);
    log?.(`${op}: ${found.length} new op models`);
    models.push(...found);
  }
  const probes = [...boundaries.values()].flatMap((shape) => ([1, 2] as const).map((count) => opModel(probeModel(shape, count, probeKey(shape, count)), probeKey(shape, count), 'probe', runtime)));
  log?.(`probes: ${probes.length} models on ${boundaries.size} boundary shapes`);
  return [models[0], ...probes, ...models.slice(1)];
}
