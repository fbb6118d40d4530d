/**
 * What the manifest says about the model, read from `ModelGraph.meta` (free-form, so parsed here):
 * `genotypeHash` (string), `dataset` (string), `classNames` (string[]) and the input normalisation
 * (`normalisation: { mean, std }`, or `mean` + `std` at the top level). Missing values fall back to the
 * dataset's (CIFAR-10 statistics and class names for 3-channel inputs, as training uses).
 */
import type { ModelGraph } from '../../src/ir/types.ts';
import type { Normalisation } from '../../src/data/augment.ts';

/** Model facts for the manifest and the calibration/eval pre-processing. */
export interface ModelInfo {
  name: string;
  genotypeHash: string;
  dataset: string;
  classNames: string[];
  normalisation: Normalisation;
}

function numbers(v: unknown, length: number): number[] | undefined {
  return Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? v : undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? v : undefined;
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null ? Reflect.get(v, key) : undefined;
}

/** Reads the model facts; `fallback` supplies what meta leaves out. */
export function modelInfo(graph: ModelGraph, fallback: { dataset: string; classNames: readonly string[]; normalisation: Normalisation }): ModelInfo {
  const meta = graph.meta;
  const channels = graph.inputs[0]?.shape[2] ?? 3;
  const norm = field(meta, 'normalisation');
  const mean = numbers(field(norm, 'mean'), channels) ?? numbers(meta.mean, channels);
  const std = numbers(field(norm, 'std'), channels) ?? numbers(meta.std, channels);
  return {
    name: graph.name,
    genotypeHash: typeof meta.genotypeHash === 'string' ? meta.genotypeHash : 'none',
    dataset: typeof meta.dataset === 'string' ? meta.dataset : fallback.dataset,
    classNames: strings(meta.classNames) ?? [...fallback.classNames],
    normalisation: { mean: mean ?? fallback.normalisation.mean, std: std ?? fallback.normalisation.std },
  };
}
