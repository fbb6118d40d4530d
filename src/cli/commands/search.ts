/**
 * `ranas search` — DARTS bilevel search of the cells of an MS-RANAS supernet (mixed op on every edge, shared
 * alphas, exits on every layer but the first). Writes `runs/<name>/` (config.json, log.jsonl with alpha
 * entropy per epoch, alphas.jsonl with alphas and genotype per epoch, checkpoint.bin, genotype.json for
 * `ranas train --genotype`). `--resume` continues a killed run exactly.
 */
import type { Command } from 'commander';
import { RanasError } from '../../errors.ts';
import { runSearch } from '../../search/run-search.ts';
import { SEARCH_DEFAULTS, type SearchOptions } from '../../search/search-options.ts';
import type { DataChoice } from '../../train/train-options.ts';
import { printTable, type Row } from '../table.ts';

/** Raw commander values. */
interface RawSearchOptions {
  preset: string;
  nodes: string;
  scales?: string;
  layers?: string;
  initChannels?: string;
  searchExits: boolean;
  cutout?: boolean;
  cutoutPx: string;
  exitWeights?: string;
  epochs: string;
  subset?: string;
  batchSize: string;
  data: string;
  lr: string;
  lrMin: string;
  momentum: string;
  weightDecay: string;
  gradClip: string;
  alphaLr: string;
  alphaWeightDecay: string;
  secondOrder?: boolean;
  warmupEpochs: string;
  maxSkip?: string;
  seed: string;
  name?: string;
  runsDir: string;
  resume?: boolean;
  checkpointEvery: string;
  threads: string;
  json?: boolean;
}

function num(flag: string, v: string, check: (n: number) => boolean, expected: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new RanasError('E_CLI_ARG', `${flag} is ${JSON.stringify(v)}; expected ${expected}`);
  return n;
}
const int = (flag: string, v: string, min: number) => num(flag, v, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
const nonNeg = (flag: string, v: string) => num(flag, v, (n) => n >= 0, 'a number ≥ 0');
const pos = (flag: string, v: string) => num(flag, v, (n) => n > 0, 'a number > 0');

const SCALES: Record<string, 1 | 2 | 3> = { '1': 1, '2': 2, '3': 3 };

/** Parses commander's values into the typed options (exported for tests). */
export function parseSearchOptions(r: RawSearchOptions): SearchOptions {
  const scales = r.scales === undefined ? undefined : SCALES[r.scales];
  if (r.scales !== undefined && scales === undefined) throw new RanasError('E_CLI_ARG', `--scales is ${JSON.stringify(r.scales)}; expected 1, 2 or 3`);
  const data: DataChoice = r.data === 'cifar10' || r.data === 'mini' || r.data === 'synthetic' ? r.data : { dir: r.data };
  const seed = int('--seed', r.seed, 0);
  return {
    preset: r.preset,
    nodes: int('--nodes', r.nodes, 1),
    scales,
    layers: r.layers === undefined ? undefined : int('--layers', r.layers, 2),
    initChannels: r.initChannels === undefined ? undefined : int('--init-channels', r.initChannels, 2),
    searchExits: r.searchExits,
    cutout: r.cutout === true ? int('--cutout-px', r.cutoutPx, 1) : 0,
    exitWeights: r.exitWeights?.split(',').map((w) => nonNeg('--exit-weights', w.trim())),
    epochs: int('--epochs', r.epochs, 1),
    batchSize: int('--batch-size', r.batchSize, 1),
    subset: r.subset === undefined ? undefined : int('--subset', r.subset, 2),
    data,
    lr: pos('--lr', r.lr),
    lrMin: nonNeg('--lr-min', r.lrMin),
    momentum: num('--momentum', r.momentum, (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    weightDecay: nonNeg('--weight-decay', r.weightDecay),
    gradClip: nonNeg('--grad-clip', r.gradClip),
    alphaLr: pos('--alpha-lr', r.alphaLr),
    alphaWeightDecay: nonNeg('--alpha-weight-decay', r.alphaWeightDecay),
    secondOrder: r.secondOrder ?? false,
    warmupEpochs: int('--warmup-epochs', r.warmupEpochs, 0),
    maxSkip: r.maxSkip === undefined ? undefined : int('--max-skip', r.maxSkip, 0),
    seed,
    name: r.name ?? `search-${r.preset}-s${seed}`,
    runsDir: r.runsDir,
    resume: r.resume ?? false,
    checkpointEvery: int('--checkpoint-every', r.checkpointEvery, 0),
    threads: int('--threads', r.threads, 1),
  };
}

/** Registers `ranas search`. */
export function registerSearch(program: Command): void {
  const d = SEARCH_DEFAULTS;
  program
    .command('search')
    .description('DARTS search of the MS-RANAS cells (bilevel: SGD on weights, Adam on alphas; first or second order); writes genotype.json')
    .option('--preset <name>', 'MS-RANAS preset the supernet is derived from (tiny | paper-cifar)', d.preset)
    .option('--nodes <n>', 'intermediate nodes per cell', String(d.nodes))
    .option('--scales <n>', 'scales 1|2|3 (default: the preset\'s)')
    .option('--layers <n>', 'grid layers (default: the preset\'s)')
    .option('--init-channels <n>', 'C of scale 1 (default: the preset\'s)')
    .option('--search-exits', 'exits on every layer but the first during search (default)', true)
    .option('--no-search-exits', 'only the last layer\'s exit during search')
    .option('--cutout', 'cutout augmentation (off by default, as DARTS search)')
    .option('--no-cutout', 'no cutout')
    .option('--cutout-px <px>', 'cutout square side', String(d.cutoutPx))
    .option('--exit-weights <list>', 'comma-separated loss weight per exit (default equal)')
    .option('--epochs <n>', 'search epochs', String(d.epochs))
    .option('--subset <n>', 'search on a stratified subset of n training images (split 50/50)')
    .option('--batch-size <n>', 'images per step in each half', String(d.batchSize))
    .option('--data <src>', 'cifar10 | mini | synthetic | DIR (CIFAR binary folder)', 'cifar10')
    .option('--lr <x>', 'weight learning rate (cosine-annealed per step)', String(d.lr))
    .option('--lr-min <x>', 'final weight learning rate', String(d.lrMin))
    .option('--momentum <x>', 'weight SGD momentum', String(d.momentum))
    .option('--weight-decay <x>', 'weight L2 decay', String(d.weightDecay))
    .option('--grad-clip <x>', 'max global weight-gradient norm (0 = off)', String(d.gradClip))
    .option('--alpha-lr <x>', 'alpha Adam learning rate (betas 0.5/0.999)', String(d.alphaLr))
    .option('--alpha-weight-decay <x>', 'alpha Adam weight decay', String(d.alphaWeightDecay))
    .option('--second-order', 'unrolled hypergradient (finite-difference Hessian-vector product)')
    .option('--warmup-epochs <n>', 'weight-only epochs before alpha updates', String(d.warmupEpochs))
    .option('--max-skip <n>', 'cap skip_connect edges per cell in the derived genotype')
    .option('--seed <n>', 'seed of split, data order, augmentation and init', String(d.seed))
    .option('--name <name>', 'run name (folder under --runs-dir)')
    .option('--runs-dir <dir>', 'where run folders go', d.runsDir)
    .option('--resume', 'continue from the run\'s checkpoint')
    .option('--checkpoint-every <n>', 'checkpoint every n steps (and at every epoch end)', String(d.checkpointEvery))
    .option('--threads <n>', 'data-parallel replicas (worker threads)', String(d.threads))
    .option('--json', 'print the result as JSON')
    .action(async (raw: RawSearchOptions) => {
      const o = parseSearchOptions(raw);
      const s = await runSearch(o, (line) => { if (process.env.RANAS_QUIET !== '1') process.stderr.write(line + '\n'); });
      const rows: Row[] = (['normal', 'reduce'] as const).flatMap((cell) => s.genotype[cell].map(([op, from], i) => ({ cell, node: Math.floor(i / 2), from, op })));
      printTable(rows, { json: raw.json, title: `${s.runDir}: ${s.loop.steps} steps (${s.loop.steps - s.loop.startStep} this run) in ${s.loop.seconds.toFixed(1)} s on ${s.engine.backend} x${o.threads}; ${s.halves[0]} + ${s.halves[1]} images; genotype → ${s.genotypePath}` });
    });
}
