/**
 * What each checkpointed demo stage leaves behind (stored in `stages/<name>.json`) and the validators that
 * read it back from disk.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The search stage: where its run folder and genotype are. */
export interface SearchResult {
  runDir: string;
  genotypePath: string;
  steps: number;
  /** Images in the weight half and the alpha half. */
  halves: [number, number];
}

/** The training stage: where the trained IR model is. */
export interface TrainResult {
  runDir: string;
  modelDir: string;
  steps: number;
  trainImages: number;
}

/** The export stage: bundle folders by name (`tflite-int8`, `onnx-int8`, …) and the export report. */
export interface ExportResult {
  outDir: string;
  reportPath: string;
  bundles: Record<string, string>;
}

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : null;
}
const str = (o: Record<string, unknown>, k: string): string | null => (typeof o[k] === 'string' ? o[k] : null);
const num = (o: Record<string, unknown>, k: string): number | null => (typeof o[k] === 'number' ? o[k] : null);

/** Reads a stored search result. */
export function parseSearchResult(v: unknown): SearchResult | null {
  const o = obj(v);
  if (!o) return null;
  const runDir = str(o, 'runDir'), genotypePath = str(o, 'genotypePath'), steps = num(o, 'steps');
  const h = o.halves;
  if (runDir === null || genotypePath === null || steps === null || !Array.isArray(h) || h.length !== 2) return null;
  const [a, b]: unknown[] = h;
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  return { runDir, genotypePath, steps, halves: [a, b] };
}

/** Reads a stored training result. */
export function parseTrainResult(v: unknown): TrainResult | null {
  const o = obj(v);
  if (!o) return null;
  const runDir = str(o, 'runDir'), modelDir = str(o, 'modelDir'), steps = num(o, 'steps'), trainImages = num(o, 'trainImages');
  return runDir === null || modelDir === null || steps === null || trainImages === null ? null : { runDir, modelDir, steps, trainImages };
}

/** Reads a stored export result. */
export function parseExportResult(v: unknown): ExportResult | null {
  const o = obj(v);
  const b = o ? obj(o.bundles) : null;
  if (!o || !b) return null;
  const outDir = str(o, 'outDir'), reportPath = str(o, 'reportPath');
  const bundles: Record<string, string> = {};
  for (const [k, d] of Object.entries(b)) {
    if (typeof d !== 'string') return null;
    bundles[k] = d;
  }
  return outDir === null || reportPath === null ? null : { outDir, reportPath, bundles };
}

/** The stage outputs still on disk. */
export const STAGE_FILES_EXIST = {
  search: (r: SearchResult) => existsSync(r.genotypePath) && existsSync(join(r.runDir, 'alphas.jsonl')),
  train: (r: TrainResult) => existsSync(join(r.modelDir, 'model.json')) && existsSync(join(r.modelDir, 'weights.bin')),
  export: (r: ExportResult) => existsSync(r.reportPath) && Object.values(r.bundles).every((d) => existsSync(join(d, 'manifest.json'))),
} as const;
