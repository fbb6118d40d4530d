/**
 * One `ranas search` run end to end: run folder (`config.json`, `log.jsonl`, `checkpoint.bin`), data (a
 * stratified subset split 50/50 into the weight half and the alpha half), the supernet, the bilevel loop, and
 * at every epoch end the alphas and derived genotype (`alphas.jsonl`, one line per epoch; `genotype.json`, the
 * latest, in the format `ranas train --genotype` reads) and the alpha entropy (`log.jsonl`).
 */
import { createStepEngine, prepareExecutor } from '../exec/step-engine.ts';
import { appendJsonLine } from '../json-lines.ts';
import { join } from 'node:path';
import { BatchIterator } from '../data/batch-iterator.ts';
import { splitTrainVal } from '../data/splits.ts';
import { initEngine, type EngineInfo } from '../engine/backend.ts';
import type { DataParallel } from '../engine/data-parallel-types.ts';
import { RanasError } from '../errors.ts';
import { alphaNames as graphAlphaNames } from '../exec/program.ts';
import { genotypeHash, type CellKind, type Genotype } from '../model/genotype.ts';
import { ALPHA_NAMES, buildMsRanasSupernet } from '../model/supernet.ts';
import { checkResumeOptions, openRunFolderAt, writeJsonAtomic } from '../run-folder.ts';
import { resumeCommand } from '../run/resume-command.ts';
import { trimLogsToCheckpoint } from '../run/trim-logs.ts';
import { guardRun, type RunGuard } from '../run/guarded-run.ts';
import { planRunDir, type RunDirPlan } from '../run/run-dir-plan.ts';
import { iteratorSource } from '../run/batch-source.ts';
import { sgdHyperOf } from '../run/run-options.ts';
import { chooseData, holdOutSplit } from '../run/data-choice.ts';
import { subset } from '../data/splits.ts';
import type { ImageDataset } from '../data/types.ts';
import { DARTS_ALPHA_ADAM } from './adam.ts';
import { alphaRowsOf, deriveGenotype, meanEntropy, type AlphaMatrices } from './derive-genotype.ts';
import { alphaUniformity, uniformityWarning } from './near-uniform.ts';
import { searchLoop, type SearchLoopResult } from './search-loop.ts';
import { searchSupernetConfig, type SearchOptions } from './search-options.ts';
import { checkDerivedGenotype, latencyPenalty, setupLatencyTargets, supernetExpectedUs, type LatencyCheck } from './latency-targets.ts';

/** What a finished search reports. */
export interface SearchSummary {
  runDir: string;
  engine: EngineInfo;
  data: string;
  /** Images in the weight half and in the alpha half. */
  halves: [number, number];
  loop: SearchLoopResult;
  genotype: Genotype;
  genotypePath: string;
  /** Set when the final alphas are still near uniform (`near-uniform.ts`). */
  alphaWarning: string | null;
  /** With latency targets: the predictor's check of the derived genotype. */
  latencyCheck: LatencyCheck | null;
}

/** The initial alphas of a supernet graph, by name. */
function alphaNames0(graph: { weights: Record<string, { data: Float32Array }> }): [string, Float32Array][] {
  return Object.values(ALPHA_NAMES).map((n) => [n, graph.weights[n]?.data ?? new Float32Array()]);
}

/** Options that decide the exact sequence of steps (must match on resume). */
const RESUME_KEYS = ['preset', 'nodes', 'scales', 'layers', 'initChannels', 'searchExits', 'cutout', 'exitWeights', 'epochs', 'batchSize', 'subset', 'data', 'lr', 'lrMin', 'momentum', 'weightDecay', 'gradClip', 'alphaLr', 'alphaWeightDecay', 'secondOrder', 'warmupEpochs', 'seed', 'holdOut', 'latencyTable', 'exitTargetsMs'] as const;


/** Alpha matrices (rows of primitives) from the flat alpha tensors by name. */
export function alphaMatrices(alphas: ReadonlyMap<string, ArrayLike<number>>): AlphaMatrices {
  const get = (kind: CellKind) => {
    const a = alphas.get(ALPHA_NAMES[kind]);
    if (!a) throw new RanasError('E_SEARCH_ALPHA', `no ${ALPHA_NAMES[kind]} in the supernet (every MS-RANAS supernet has one)`);
    return alphaRowsOf(a);
  };
  return { normal: get('normal'), reduce: get('reduce') };
}

/**
 * The images a search draws from: the training set, less the validation split a later training run will hold
 * out (`holdOut`: the same images `chooseData` carves with that run's seed, so a study's model selection never
 * sees images its search trained on), then the stratified `subset`.
 */
export function searchPool(train: ImageDataset, o: Pick<SearchOptions, 'subset' | 'seed' | 'holdOut'>): ImageDataset {
  const pool = o.holdOut && o.holdOut.images > 0 ? holdOutSplit(train, o.holdOut.images, o.holdOut.seed).train : train;
  return o.subset === undefined ? pool : subset(pool, o.subset, o.seed);
}

/** The search's split of its pool: `train` trains the weights, `val` (the alpha half) the alphas. */
export function searchHalves(pool: ImageDataset, seed: number): { train: ImageDataset; val: ImageDataset } {
  return splitTrainVal(pool, 0.5, seed + 17);
}

/** Runs (or resumes) one search; `say` prints progress lines; `resumeWith` is printed when a signal stops it. */
export async function runSearch(o: SearchOptions, say: (line: string) => void, resumeWith = resumeCommand(process.argv.slice(2))): Promise<SearchSummary> {
  const plan = planRunDir(o.runsDir, o.name, { resume: o.resume, overwrite: o.overwrite, command: 'search' });
  if (o.resume) checkResumeOptions(join(plan.finalDir, 'config.json'), o, RESUME_KEYS, 'E_SEARCH_RESUME');
  return guardRun(plan, say, resumeWith, (guard) => searchIn(plan, guard, o, say));
}

async function searchIn(plan: RunDirPlan, guard: RunGuard, o: SearchOptions, say: (line: string) => void): Promise<SearchSummary> {
  const engine = await initEngine(undefined, { replicas: o.threads });
  const base = searchSupernetConfig(o);
  // Data first: its classes size the exits, and image folders are resized to the supernet's input.
  const loaded = await chooseData(o.data, { valImages: 0, seed: o.seed, inputShape: base.inputShape, log: say });
  const data = { ...loaded, train: searchPool(loaded.train, o) };
  const supernetConfig = { ...base, numClasses: data.train.classNames.length };
  const run = openRunFolderAt(plan.workDir, 'search', { ...o, supernet: supernetConfig, classNames: [...data.train.classNames] });
  const trimmed = plan.mode === 'resume' ? trimLogsToCheckpoint(plan.workDir) : null;
  if (trimmed && trimmed.droppedLogLines + trimmed.droppedAlphaLines > 0) say(`resume: dropped ${trimmed.droppedLogLines} log and ${trimmed.droppedAlphaLines} alpha lines written after the last checkpoint (the run was killed)`);
  const graph = buildMsRanasSupernet(supernetConfig);
  const latency = setupLatencyTargets(o.latencyTable, o.exitTargetsMs, supernetConfig, o.preset);
  if (latency) say(`latency targets: ${latency.targetsUs.map((t, k) => `exit ${k + 1} ${t === null ? '-' : `${(t / 1000).toFixed(3)} ms`}`).join(', ')} (table ${latency.tableFile}, ${latency.table.runtime} ${latency.table.device}); supernet now ${supernetExpectedUs(latency, new Map(alphaNames0(graph))).map((u) => `${(u / 1000).toFixed(3)}`).join('/')} ms`);
  const exitWeights = o.exitWeights ?? graph.exits.map(() => 1);
  if (exitWeights.length !== graph.exits.length) {
    throw new RanasError('E_SEARCH_OPTION', `--exit-weights has ${exitWeights.length} values; the supernet has ${graph.exits.length} exits (layers ${supernetConfig.exitLayers.join(', ')})`);
  }
  const halves = searchHalves(data.train, o.seed);
  say(`data: ${data.note}; ${halves.train.count} images for weights, ${halves.val.count} for alphas`);
  const alphaNames = [...graphAlphaNames(graph)].sort();
  const step = await prepareExecutor(o.executor ?? 'auto', engine.backend, o.threads);
  say(`engine: ${engine.backend} x${o.threads}, ${step.executor} step (${step.why}); supernet: ${graph.nodes.length} nodes, ${graph.exits.length} exits, ${Object.values(graph.weights).filter((w) => w.trainable).reduce((s, w) => s + w.data.length, 0)} trainable values; ${o.secondOrder ? 'second' : 'first'}-order`);

  const recipe = { graph, exitWeights };
  const dp: DataParallel = await createStepEngine(recipe, { executor: step.executor, replicas: o.threads, batch: o.batchSize });
  try {
    const augment = { cutoutPx: o.cutout };
    const train = iteratorSource(new BatchIterator(halves.train, { batchSize: o.batchSize, seed: o.seed, augment }));
    const val = iteratorSource(new BatchIterator(halves.val, { batchSize: o.batchSize, seed: o.seed + 1, augment }));
    let genotype = deriveGenotype(alphaMatrices(new Map(alphaNames.map((n) => [n, graph.weights[n].data]))), { maxSkip: o.maxSkip });
    const genotypePath = run.path('genotype.json');
    const writeGenotype = (g: Genotype, at: string) => writeJsonAtomic(genotypePath, { name: `${o.name}-${at}`, source: `ranas search ${plan.finalDir} (${at}, hash ${genotypeHash(g)})`, ...g });
    const loop = await searchLoop({
      engine: dp, train, val, alphaNames,
      hyper: {
        ...sgdHyperOf(o), alpha: { ...DARTS_ALPHA_ADAM, lr: o.alphaLr, weightDecay: o.alphaWeightDecay },
        secondOrder: o.secondOrder, warmupEpochs: o.warmupEpochs,
      },
      checkpointPath: run.path('checkpoint.bin'),
      resume: o.resume,
      meta: { name: o.name },
      stop: () => guard.stopRequested() !== null,
      alphaPenalty: latency ? latencyPenalty(latency) : undefined,
      onStep: (s) => run.log({ type: 'step', ...s, ...(latency?.last ? { expectedExitUs: latency.last.expectedUs, lambdas: latency.last.lambdas } : {}) }),
      onEpoch: (e) => {
        const m = alphaMatrices(e.alphas);
        genotype = deriveGenotype(m, { maxSkip: o.maxSkip });
        const entropy = { normal: meanEntropy(m.normal), reduce: meanEntropy(m.reduce) };
        appendJsonLine(run.path('alphas.jsonl'), { epoch: e.epoch + 1, alphas: m, genotype, genotypeHash: genotypeHash(genotype) }, false);
        writeGenotype(genotype, `epoch${e.epoch + 1}`);
        const { alphas: _a, ...summary } = e;
        run.log({ type: 'epoch', ...summary, epoch: e.epoch + 1, alphaEntropy: entropy, genotypeHash: genotypeHash(genotype) });
        const alphaPart = Number.isFinite(e.meanValLoss) ? `val ${e.meanValLoss.toFixed(4)}, ${e.seconds.toFixed(1)} s, weights ${e.weightImgPerSec.toFixed(1)} img/s, alphas ${e.alphaImgPerSec.toFixed(1)} img/s` : `${e.seconds.toFixed(1)} s, weights ${e.weightImgPerSec.toFixed(1)} img/s (warm-up: weights only)`;
        say(`epoch ${e.epoch + 1}/${o.epochs}: train ${e.meanTrainLoss.toFixed(4)}, ${alphaPart}, entropy ${entropy.normal.toFixed(4)}/${entropy.reduce.toFixed(4)}; genotype ${genotypeHash(genotype)}`);
      },
    });
    const finalAlphas = alphaMatrices(loop.alphas);
    genotype = deriveGenotype(finalAlphas, { maxSkip: o.maxSkip });
    writeGenotype(genotype, `step${loop.steps}`);
    const uniformity = alphaUniformity(finalAlphas);
    const warning = uniformityWarning(uniformity);
    if (warning) {
      run.log({ type: 'warning', code: 'W_ALPHAS_NEAR_UNIFORM', ...uniformity });
      say(warning);
    }
    let latencyCheck: LatencyCheck | null = null;
    if (latency) {
      latencyCheck = checkDerivedGenotype(latency, genotype, supernetConfig);
      writeJsonAtomic(run.path('latency-check.json'), { genotypeHash: genotypeHash(genotype), ...latencyCheck, expectedExitUs: supernetExpectedUs(latency, loop.alphas), lambdas: latency.last?.lambdas ?? null });
      const c = latencyCheck;
      say(`latency check (predictor): ${c.predictedExitUs.map((u, k) => `exit ${k + 1} ${(u / 1000).toFixed(3)} ms${c.targetsUs[k] === null ? '' : c.meets[k] ? ' ≤ target' : ` > target ${((c.targetsUs[k] ?? 0) / 1000).toFixed(3)}`}`).join(', ')}`);
    }
    guard.throwIfStopped(() => `stopped at step ${loop.steps} (${loop.steps - loop.startStep} this run); genotype of this step in genotype.json`);
    return { runDir: plan.finalDir, engine, data: data.note, halves: [halves.train.count, halves.val.count], loop, genotype, genotypePath: join(plan.finalDir, 'genotype.json'), alphaWarning: warning, latencyCheck };
  } finally {
    await dp.dispose();
  }
}
