/**
 * The study protocol as data: what `ranas study` searches, trains, exports and measures, and with which
 * budget. `full` is the committed study on CIFAR-10 (results/study/); `smoke` is the same pipeline at toy
 * size, run by the tests. Every number a reader of results/study/README.md compares on comes from here.
 */
import type { HeadConfig } from '../ops/heads.ts';
import type { GoalRunRule } from './epoch-budget.ts';

/** The multi-scale grid every MS-RANAS network of the study shares (before width matching). */
export interface StudyGrid {
  scales: 1 | 2 | 3;
  layers: number;
  /** C of scale 1 at layer 1 of the reference network; other networks get the width that matches its params. */
  initChannels: number;
  /** Intermediate nodes per cell (the paper's final model: 2). */
  nodes: number;
  reductionLayers: number[];
  growth: number[];
  bottleneckWidth: number[] | null;
  head: HeadConfig;
}

/** SGD recipe shared by every trained network of one group (same recipe, same epochs). */
export interface StudyRecipe {
  epochs: number;
  /** Train on a stratified subset of this many training images (smoke tests); undefined = all. */
  subset?: number;
  batchSize: number;
  /** Cosine-annealed per step from lr to lrMin. */
  lr: number;
  lrMin: number;
  momentum: number;
  weightDecay: number;
  gradClip: number;
  cutoutPx: number;
  dropPath: number;
}

/** One search: the supernet of the grid with these switches (the paper's Fig. 4/5 directions). */
export interface StudySearch {
  name: string;
  seed: number;
  scales: 1 | 2 | 3;
  /** Exits on every layer but the first during search (false: the last layer's exit only). */
  exits: boolean;
  cutoutPx: number;
  epochs: number;
  /** Training images the search uses (split 50/50 into weight and alpha halves). */
  subset: number;
  batchSize: number;
  /** Adam learning rate of the alphas (DARTS: 3e-4 over ~19,500 alpha steps; see FULL_SEARCH). */
  alphaLr: number;
  /** Epochs that train the weights only before the alphas start to move (the supernet's ops warm up first). */
  warmupEpochs: number;
}

/** Where a network's genotype comes from. */
export type GenotypeSource =
  | { from: 'search'; search: string }
  | { from: 'random'; seed: number }
  | { from: 'shipped'; stem: string };

/** One network of the comparison. */
export type StudyNetwork =
  | { name: string; label: string; kind: 'ms-ranas'; genotype: GenotypeSource; scales: 1 | 2 | 3 }
  | { name: string; label: string; kind: 'msdnet' };

/** One ablation: a search with switches changed, then a short training of its genotype. */
export interface StudyAblation {
  name: string;
  label: string;
  search: StudySearch;
}

/** A whole study. */
export interface StudyPlan {
  name: 'full' | 'smoke';
  /** `cifar10`: the full set (fails when not cached rather than falling back); `synthetic` for smoke tests. */
  data: 'cifar10' | 'synthetic' | 'mini';
  /** Training images held out (stratified) for model selection and budgeted-batch thresholds. */
  valImages: number;
  /** Test images for the final table (all 10,000 in the full study). */
  testImages: number;
  seed: number;
  grid: StudyGrid;
  /** The network whose parameter count every other one is matched to (±tolerance). */
  reference: string;
  paramTolerance: number;
  searches: StudySearch[];
  networks: StudyNetwork[];
  recipe: StudyRecipe;
  ablations: StudyAblation[];
  ablationRecipe: StudyRecipe;
  /** The best MS-RANAS network of the study ships as models/pretrained/<name>/ (ship-stage.ts). */
  ship: { name: string };
  /**
   * The shipped network trained again for each of these epoch counts (the plan's recipe otherwise): final accuracy
   * against epochs, and the epochs a power law through them puts at `goalTop1` at the last exit (epoch-budget.ts).
   */
  epochBudget: {
    epochs: number[];
    goalTop1: number;
    /**
     * Then the shipped network once more, for the epochs that the power law through these runs' *validation*
     * error at the last exit puts at the goal, times a margin, capped (`goalEpochs`); it is exported, measured on
     * the agent, and ships when its validation top-1 at the last exit is the best.
     */
    goalRun?: GoalRunRule;
  };
  /** Export and device measurement; `deviceBundle` is the bundle flashed to the local agent (its default runtime). */
  export: { calibImages: number; profileRuns: number; deviceImages: number; budgetSteps: number; deviceBundle: 'onnx-int8' | 'tflite-int8' };
}

/*
 * Sizes, chosen for about 12 hours of this 2-core machine running the study alone (CIFAR-10 at 45,000
 * training images an epoch): the grid of the paper's setting made small — 3 scales (32/16/8), 4 layers, 2-node
 * cells, C 8, 32-channel MSDNet heads (0.43-0.48 M params, 25 M anytime MACs at the last exit). Searches: 16
 * epochs on a 10,000-image subset (5,000 for weights, 5,000 for alphas). Final networks: 15 epochs each.
 * Ablations: 8-epoch searches on 6,000 images, then 5 epochs on 20,000 images each.
 * Budget, measured on the running study: the searched network trains at ~195-200 img/s with the machine to
 * itself (~230 s an epoch) and at 77-88 img/s with other work beside it. 1 replica: 2 were no faster when the
 * study started; since session 7 each replica gets its own intra-op thread and 2 train ~1.25x faster, but the
 * study keeps 1 so that every network is trained with the same batch-norm statistics. Alone: search s0 ~1.2-1.9 h, 6 networks x ~1 h, 5 ablations x ~0.5 h,
 * exports and device stages ~0.8 h, the second search seed ~1.1 h: ~12 h (the second seed was dropped: see searches). (A cut to 10-epoch networks,
 * made from the contended rate, was undone once the study ran alone: it would have left about a third of the
 * budget unused. Both decisions were made before any network finished training.)
 *
 * Alpha step size: DARTS moves its alphas with Adam at 3e-4 for 50 epochs x 391 steps (~19,500 steps, lr x
 * steps ~ 5.9). A search here has 12 x 78 = 936 alpha steps after its warm-up; at 3e-4 the alphas stay at
 * uniform to four digits (measured: entropy 2.0794 = 100.00 % of ln 8 after the first epoch), so the derived
 * genotype would be noise. A first try at 3e-3 (lr x steps ~ 2.8) moved the entropy by only ~0.07 % of ln 8
 * per epoch (99.88 % after two alpha epochs: it would end above the 99 % near-uniform warning), so the
 * searches use 6e-3: lr x steps ~ 5.6, DARTS's total step budget. Chosen from the alpha entropy alone, before
 * any network was trained.
 * The weights train alone for the first quarter of the epochs so that the alphas do not lock onto the
 * parameter-free ops while the convolutions are still untrained (the warm-up of P-DARTS / DARTS- style searches).
 */
const FULL_SEARCH = { scales: 3, exits: true, cutoutPx: 16, epochs: 16, subset: 10000, batchSize: 64, alphaLr: 6e-3, warmupEpochs: 4 } as const;
const ABLATION_SEARCH = { ...FULL_SEARCH, epochs: 8, subset: 6000, seed: 0, warmupEpochs: 2 } as const;
const SGD = { batchSize: 64, lr: 0.05, lrMin: 0, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, cutoutPx: 16, dropPath: 0 } as const;

/** The committed study (see results/study/README.md for what it cost and found). */
export const FULL_PLAN: StudyPlan = {
  name: 'full',
  data: 'cifar10',
  valImages: 5000,
  testImages: 10000,
  seed: 0,
  grid: {
    scales: 3, layers: 4, initChannels: 8, nodes: 2, reductionLayers: [3], growth: [1, 2, 4],
    bottleneckWidth: [1, 2, 4], head: { kind: 'msdnet', channels: 32 },
  },
  reference: 'ms-ranas-searched',
  paramTolerance: 0.1,
  searches: [
    // The plan had a second seed here (s1, reported, not trained, run last). Dropped on 2026-12-07, before it
    // ran, for the budget: the stages that had to run before it measured about 13 CPU-hours (the issue asks
    // for about 12, "2 search seeds if the budget allows"), and s1 would have added ~1.7 more. Whether the
    // max-pool cell is an artefact of the seed is answered less directly by the five ablation searches
    // (other subsets, supernets and switches): see results/study/README.md.
    { name: 's0', seed: 0, ...FULL_SEARCH },
  ],
  networks: [
    { name: 'ms-ranas-searched', label: 'MS-RANAS, searched', kind: 'ms-ranas', genotype: { from: 'search', search: 's0' }, scales: 3 },
    { name: 'msdnet', label: 'MSDNet (authors\' CIFAR recipe, fewer channels)', kind: 'msdnet' },
    { name: 'single-scale', label: 'single-scale DARTS cells, same exits', kind: 'ms-ranas', genotype: { from: 'search', search: 's0' }, scales: 1 },
    { name: 'random-1', label: 'MS-RANAS, random genotype 1', kind: 'ms-ranas', genotype: { from: 'random', seed: 1 }, scales: 3 },
    { name: 'random-2', label: 'MS-RANAS, random genotype 2', kind: 'ms-ranas', genotype: { from: 'random', seed: 2 }, scales: 3 },
    { name: 'default', label: 'MS-RANAS, shipped default genotype', kind: 'ms-ranas', genotype: { from: 'shipped', stem: 'ms-ranas-default' }, scales: 3 },
  ],
  recipe: { epochs: 15, ...SGD },
  ablations: [
    { name: 'scales-1', label: 'search with 1 scale', search: { name: 'abl-scales-1', ...ABLATION_SEARCH, scales: 1 } },
    { name: 'scales-2', label: 'search with 2 scales', search: { name: 'abl-scales-2', ...ABLATION_SEARCH, scales: 2 } },
    { name: 'scales-3', label: 'search with 3 scales, exits, cutout (the paper\'s best)', search: { name: 'abl-scales-3', ...ABLATION_SEARCH } },
    { name: 'no-exits', label: 'search without exits (last exit only)', search: { name: 'abl-no-exits', ...ABLATION_SEARCH, exits: false } },
    { name: 'no-cutout', label: 'search without cutout', search: { name: 'abl-no-cutout', ...ABLATION_SEARCH, cutoutPx: 0 } },
  ],
  ablationRecipe: { epochs: 5, subset: 20000, ...SGD },
  ship: { name: 'ms-ranas-cifar10' },
  // Added in session 9, while MSDNet trained, because the first network (the searched one) had ended at 82.7 %
  // after 15 epochs, short of the 85 %: 5 and 10 epochs of the shipped network (~1 h alone) beside its
  // 15 say what budget would reach it. Runs after the ablations.
  // The goal run was added on 2026-12-07, after the 5-epoch run and before the 10-epoch run finished: a power law
  // through short runs is optimistic further out (error flattens), hence 1.5x its answer; capped at 30 epochs
  // (twice the comparison's 15; ~1 h with the machine to itself) for the budget.
  epochBudget: { epochs: [5, 10], goalTop1: 0.85, goalRun: { margin: 1.5, maxEpochs: 30 } },
  export: { calibImages: 500, profileRuns: 300, deviceImages: 300, budgetSteps: 6, deviceBundle: 'onnx-int8' },
};

const SMOKE_SEARCH = { scales: 2, exits: true, cutoutPx: 8, epochs: 1, subset: 96, batchSize: 16, alphaLr: 3e-3, warmupEpochs: 0 } as const;

/** The same pipeline at toy size on generated data (tests). */
export const SMOKE_PLAN: StudyPlan = {
  name: 'smoke',
  data: 'synthetic',
  valImages: 100,
  testImages: 200,
  seed: 0,
  grid: {
    scales: 2, layers: 3, initChannels: 8, nodes: 2, reductionLayers: [3], growth: [1, 2],
    bottleneckWidth: [1, 2], head: { kind: 'msdnet', channels: 32 },
  },
  reference: 'ms-ranas-searched',
  paramTolerance: 0.25,
  searches: [{ name: 's0', seed: 0, ...SMOKE_SEARCH }],
  networks: [
    { name: 'ms-ranas-searched', label: 'MS-RANAS, searched', kind: 'ms-ranas', genotype: { from: 'search', search: 's0' }, scales: 2 },
    { name: 'msdnet', label: 'MSDNet, scaled', kind: 'msdnet' },
    { name: 'single-scale', label: 'single-scale', kind: 'ms-ranas', genotype: { from: 'search', search: 's0' }, scales: 1 },
    { name: 'random-1', label: 'random genotype 1', kind: 'ms-ranas', genotype: { from: 'random', seed: 1 }, scales: 2 },
    { name: 'default', label: 'shipped default', kind: 'ms-ranas', genotype: { from: 'shipped', stem: 'ms-ranas-default' }, scales: 2 },
  ],
  recipe: { epochs: 1, subset: 320, batchSize: 32, lr: 0.05, lrMin: 0, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, cutoutPx: 8, dropPath: 0.1 },
  ablations: [
    { name: 'no-exits', label: 'search without exits', search: { name: 'abl-no-exits', seed: 0, ...SMOKE_SEARCH, exits: false } },
    // A search with fewer scales than the grid (the full plan's scales-1 ablation): its supernet is checked against the grid.
    { name: 'scales-1', label: 'search with 1 scale', search: { name: 'abl-scales-1', seed: 0, ...SMOKE_SEARCH, scales: 1 } },
  ],
  ablationRecipe: { epochs: 1, subset: 320, batchSize: 32, lr: 0.05, lrMin: 0, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, cutoutPx: 0, dropPath: 0 },
  ship: { name: 'smoke-ms-ranas' },
  epochBudget: { epochs: [2], goalTop1: 0.85, goalRun: { margin: 1.5, maxEpochs: 3 } },
  export: { calibImages: 32, profileRuns: 20, deviceImages: 20, budgetSteps: 2, deviceBundle: 'onnx-int8' },
};

/** Plans by name. */
export const STUDY_PLANS: Record<StudyPlan['name'], StudyPlan> = { full: FULL_PLAN, smoke: SMOKE_PLAN };
