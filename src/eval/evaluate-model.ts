/**
 * Evaluates one model: per-exit top-1 (top-5 when there are 100 or more classes) on the test set in eval
 * mode, its anytime curve with the normalised area under it, and MSDNet budgeted-batch points when a
 * validation split is given (thresholds chosen on it, measured on the test set).
 */
import type { ImageDataset } from '../data/types.ts';
import type { Program } from '../exec/program.ts';
import { exitMacs } from '../ir/analysis.ts';
import { anytimeCurve, areaUnder, type AnytimePoint } from './anytime-curve.ts';
import { budgetedSweep, type BudgetedPoint, type ExitDecisions } from './budgeted-batch.ts';
import { confidenceAndPrediction, topKAccuracy, type ExitProbabilities } from './exit-accuracy.ts';
import { predictExits } from './exit-predictions.ts';

/** Accuracy of one exit. */
export interface ExitEvaluation {
  exit: number;
  layer: number;
  /** Millions of MACs of answering here: trunk + every head up to this exit (`ir/analysis.ts` `anytimeMacs`). */
  mmacs: number;
  top1: number;
  /** Only for ≥ 100 classes. */
  top5?: number;
}

/** Everything `report.json` holds about one model. */
export interface ModelEvaluation {
  model: string;
  source: string;
  testImages: number;
  exits: ExitEvaluation[];
  anytime: AnytimePoint[];
  /** Normalised area under the anytime curve (mean accuracy over the model's MMACs range). */
  anytimeArea: number;
  /** Budgeted-batch points sorted by MMACs (null without a validation split). */
  budgeted: BudgetedPoint[] | null;
  /** Where the thresholds were chosen. */
  validation: string | null;
}

/** Per-exit confidence and prediction, for the budgeted evaluation. */
export function decisionsOf(p: ExitProbabilities): ExitDecisions {
  const d = p.probs.map((probs) => confidenceAndPrediction(probs, p.classes));
  return { confidence: d.map((x) => x.confidence), prediction: d.map((x) => x.prediction), labels: p.labels };
}

/** Options of `evaluateModel`. */
export interface EvaluateOptions {
  model: string;
  source: string;
  batchSize?: number;
  /** Split to choose budgeted thresholds on, and a note on where it comes from. */
  validation?: { data: ImageDataset; note: string };
}

/** Evaluates `program` on `test`. */
export async function evaluateModel(program: Program, test: ImageDataset, o: EvaluateOptions): Promise<ModelEvaluation> {
  // One cost everywhere: trunk + every head up to the exit (recomputed, so old model.json files agree too).
  const macs = exitMacs(program.graph);
  const testProbs = await predictExits(program, test, o.batchSize);
  const exits = program.graph.exits.map((e, k): ExitEvaluation => {
    const r: ExitEvaluation = { exit: e.index, layer: e.layer, mmacs: macs[k] / 1e6, top1: topKAccuracy(testProbs.probs[k], testProbs.labels, testProbs.classes, 1) };
    if (testProbs.classes >= 100) r.top5 = topKAccuracy(testProbs.probs[k], testProbs.labels, testProbs.classes, 5);
    return r;
  });
  const anytime = anytimeCurve(macs, exits.map((e) => e.top1));
  let budgeted: BudgetedPoint[] | null = null;
  if (o.validation) {
    const valProbs = await predictExits(program, o.validation.data, o.batchSize);
    budgeted = budgetedSweep(decisionsOf(valProbs), decisionsOf(testProbs), macs);
  }
  return {
    model: o.model, source: o.source, testImages: test.count, exits, anytime, anytimeArea: areaUnder(anytime),
    budgeted, validation: o.validation?.note ?? null,
  };
}
