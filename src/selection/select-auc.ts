/**
 * `ranas search --select auc` (the paper's second future direction): instead of keeping the top genotype of
 * the final alphas, derive it and its nearest alternatives (`nearestGenotypes`), train each briefly on the
 * search's alpha half (the images the search validated on; 80 % to train, 20 % to measure), and keep the one
 * with the largest normalised area under its accuracy-vs-cost curve over a stated range [0, the largest
 * last-exit cost among the candidates]. Cost is the predicted latency from a device latency table when one is
 * given, else anytime MACs (said in the output; cost-axes.ts). Writes `select/selection.json` and `select/candidates.svg`
 * in the search's run folder and replaces its genotype.json with the choice (the top one kept beside it).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchIterator } from '../data/batch-iterator.ts';
import { splitTrainVal } from '../data/splits.ts';
import { singleThread } from '../engine/single-thread.ts';
import { RanasError } from '../errors.ts';
import { areaUnder } from '../eval/anytime-curve.ts';
import { renderCurveSvg, type CurvePoint } from '../eval/curve-plot.ts';
import { topKAccuracy } from '../eval/exit-accuracy.ts';
import { predictExits } from '../eval/exit-predictions.ts';
import { createProgram } from '../exec/program.ts';
import { buildTrainableGraph } from '../exec/trainable-graph.ts';
import { analyzeGraph } from '../ir/analysis.ts';
import type { CostAxis } from './cost-axes.ts';
import type { ModelGraph } from '../ir/types.ts';
import { genotypeHash } from '../model/genotype.ts';
import { writeJsonAtomic } from '../run-folder.ts';
import { iteratorSource } from '../run/batch-source.ts';
import { chooseData } from '../run/data-choice.ts';
import { nearestGenotypes, type AlphaMatrices, type GenotypeCandidate } from '../search/derive-genotype.ts';
import { searchHalves, searchPool } from '../search/run-search.ts';
import { trainedGraph } from '../train/run-training.ts';
import { trainLoop } from '../train/train-loop.ts';
import { parseDataChoice, type DataChoice } from '../run/run-options.ts';
import type { ImageDataset } from '../data/types.ts';
import { chooseModel, type ModelChoice } from '../run/model-choice.ts';
import { getPreset } from '../model/presets.ts';

export interface SelectOptions {
  /** The finished search's run folder (config.json, alphas.jsonl, genotype.json). */
  runDir: string;
  /** Candidates: the top genotype and its nearest alternatives (default 4). */
  candidates: number;
  /** Epochs of brief training per candidate on 80 % of the alpha half. */
  epochs: number;
  batchSize: number;
  lr: number;
  cost: CostAxis;
  say: (line: string) => void;
}

/** One candidate as measured. */
export interface CandidateResult {
  genotypeHash: string;
  change: string;
  supportDrop: number;
  params: number;
  /** Per exit: cost on the axis and top-1 on the held-out 20 % of the alpha half. */
  exits: { cost: number; top1: number }[];
  area: number;
}

/** `select/selection.json`. */
export interface Selection {
  axis: string;
  range: [number, number];
  trainImages: number;
  measureImages: number;
  epochs: number;
  candidates: CandidateResult[];
  chosen: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What selection needs of the finished search: how its grid and data were chosen, and its final alphas. */
interface SearchRecord {
  model: Omit<ModelChoice, 'genotype'>;
  data: { choice: DataChoice; subset?: number; seed: number; holdOut?: { images: number; seed: number } };
  alphas: AlphaMatrices;
  maxSkip: number;
}

/** Reads the search's config.json and the last line of alphas.jsonl; E_SELECT naming what is missing. */
function readSearch(runDir: string): SearchRecord {
  const configFile = join(runDir, 'config.json');
  const alphasFile = join(runDir, 'alphas.jsonl');
  if (!existsSync(configFile) || !existsSync(alphasFile)) throw new RanasError('E_SELECT', `${runDir} has no config.json and alphas.jsonl; expected a finished ranas search run folder`);
  const config: unknown = JSON.parse(readFileSync(configFile, 'utf8'));
  const o = isObj(config) && isObj(config.options) ? config.options : null;
  if (!o) throw new RanasError('E_SELECT', `${configFile} has no options; expected the config a ranas search writes`);
  const num = (k: string): number | undefined => (typeof o[k] === 'number' ? Number(o[k]) : undefined);
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw new RanasError('E_SELECT', `${configFile}: options.${k} is ${JSON.stringify(v)}; expected a string`);
    return v;
  };
  const scales = num('scales');
  const classNames = Array.isArray(o.classNames) ? o.classNames : [];
  const holdOut = isObj(o.holdOut) && typeof o.holdOut.images === 'number' && typeof o.holdOut.seed === 'number' ? { images: o.holdOut.images, seed: o.holdOut.seed } : undefined;
  const seed = num('seed') ?? 0;
  const lines = readFileSync(alphasFile, 'utf8').trim().split('\n');
  const last: unknown = JSON.parse(lines[lines.length - 1] || '{}');
  const a = isObj(last) && isObj(last.alphas) ? last.alphas : null;
  const rows = (v: unknown): number[][] => {
    if (!Array.isArray(v) || !v.every((r): r is number[] => Array.isArray(r) && r.every((x) => typeof x === 'number'))) throw new RanasError('E_SELECT', `${alphasFile}: the last line's alphas are not number matrices`);
    return v;
  };
  if (!a) throw new RanasError('E_SELECT', `${alphasFile}: the last line has no alphas`);
  return {
    model: {
      preset: str('preset'), scales: scales === 1 || scales === 2 || scales === 3 ? scales : undefined, layers: num('layers'), initChannels: num('initChannels'),
      nodes: num('nodes'), numClasses: classNames.length > 0 ? classNames.length : undefined, singleExit: false, seed,
    },
    data: { choice: parseDataChoice(str('data')), subset: num('subset'), seed, holdOut },
    alphas: { normal: rows(a.normal), reduce: rows(a.reduce) },
    maxSkip: num('maxSkip') ?? Infinity,
  };
}

/** Trains `graph` briefly on `train` (single thread, SGD cosine) and returns the trained graph. */
async function trainBriefly(graph: ModelGraph, train: ImageDataset, o: SelectOptions, checkpointPath: string): Promise<ModelGraph> {
  const dp = singleThread(buildTrainableGraph({ graph, exitWeights: graph.exits.map(() => 1) }));
  try {
    await trainLoop({
      engine: dp,
      source: iteratorSource(new BatchIterator(train, { batchSize: o.batchSize, seed: 1, augment: { cutoutPx: 0 } })),
      hyper: { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, lrMin: 0, schedule: { kind: 'cosine-per-step' }, momentum: 0.9, nesterov: false, weightDecay: 3e-4, gradClipNorm: 5, checkpointEverySteps: 0 },
      checkpointPath, resume: false,
    });
    return trainedGraph(graph, dp.model, {});
  } finally {
    await dp.dispose();
  }
}

/** Derives, trains and measures the candidates; writes the selection and the chosen genotype. */
export async function selectByArea(o: SelectOptions): Promise<Selection> {
  const rec = readSearch(o.runDir);
  const candidates: GenotypeCandidate[] = nearestGenotypes(rec.alphas, o.candidates, { maxSkip: rec.maxSkip });
  const loaded = await chooseData(rec.data.choice, { valImages: 0, seed: rec.data.seed, inputShape: getPreset(rec.model.preset).config.inputShape, log: o.say });
  const pool = searchPool(loaded.train, { subset: rec.data.subset, seed: rec.data.seed, holdOut: rec.data.holdOut });
  // The same split the search made: its alpha half is what it validated on.
  const alphaHalf = searchHalves(pool, rec.data.seed).val;
  const parts = splitTrainVal(alphaHalf, 0.2, rec.data.seed + 29);
  o.say(`select: ${candidates.length} candidates, each trained ${o.epochs} epoch(s) on ${parts.train.count} images of the search's alpha half, measured on ${parts.val.count}; cost: ${o.cost.label}`);
  const dir = join(o.runDir, 'select');
  mkdirSync(dir, { recursive: true });
  const measured: Omit<CandidateResult, 'area'>[] = [];
  for (const [k, c] of candidates.entries()) {
    const file = join(dir, `candidate-${k}.json`);
    writeJsonAtomic(file, { name: `candidate-${k}`, source: `ranas search --select auc (${c.change})`, ...c.genotype });
    const graph = chooseModel({ ...rec.model, genotype: file });
    const trained = await trainBriefly(graph, parts.train, o, join(dir, `candidate-${k}.checkpoint.bin`));
    const program = createProgram(trained);
    try {
      const p = await predictExits(program, parts.val, 250);
      const cost = o.cost.perExit(graph);
      measured.push({
        genotypeHash: genotypeHash(c.genotype), change: c.change, supportDrop: c.supportDrop, params: analyzeGraph(graph).totalParams,
        exits: p.probs.map((probs, e) => ({ cost: cost[e], top1: topKAccuracy(probs, p.labels, p.classes, 1) })),
      });
    } finally {
      program.dispose();
    }
    const m = measured[measured.length - 1];
    o.say(`candidate ${k} (${c.change}): top-1 per exit ${m.exits.map((e) => (100 * e.top1).toFixed(1)).join(' / ')} %, cost ${m.exits.map((e) => e.cost.toFixed(2)).join(' / ')}`);
  }
  const hi = Math.max(...measured.map((m) => m.exits[m.exits.length - 1]?.cost ?? 0));
  const range: [number, number] = [0, hi];
  const results: CandidateResult[] = measured.map((m) => ({ ...m, area: areaUnder(m.exits.map((e) => ({ mmacs: e.cost, accuracy: e.top1 })), range) }));
  const chosen = results.reduce((best, r, k) => (r.area > results[best].area ? k : best), 0);
  const selection: Selection = { axis: o.cost.label, range, trainImages: parts.train.count, measureImages: parts.val.count, epochs: o.epochs, candidates: results, chosen };
  writeJsonAtomic(join(dir, 'selection.json'), selection);
  const points: CurvePoint[] = results.flatMap((r, k) => r.exits.map((e) => ({ series: `#${k} area ${r.area.toFixed(3)}${k === chosen ? ' ★' : ''}`, x: e.cost, accuracy: 100 * e.top1 })));
  writeFileSync(join(dir, 'candidates.svg'), await renderCurveSvg(points, `Candidates on ${parts.val.count} held-out images of the alpha half (area over [0, ${hi.toFixed(2)}])`, o.cost.label, 100 / Math.max(1, loaded.train.classNames.length)));
  const genotypeFile = join(o.runDir, 'genotype.json');
  if (existsSync(genotypeFile) && !existsSync(join(o.runDir, 'genotype-top.json'))) copyFileSync(genotypeFile, join(o.runDir, 'genotype-top.json'));
  copyFileSync(join(dir, `candidate-${chosen}.json`), genotypeFile);
  o.say(`select: candidate ${chosen} (${results[chosen].change}) has the largest area ${results[chosen].area.toFixed(4)} → ${genotypeFile} (the top choice kept in genotype-top.json); curves in ${join(dir, 'candidates.svg')}`);
  return selection;
}
