/**
 * The options `ranas train` and `ranas search` share: SGD hyper-parameters, data, run folder, resume and
 * threads. One declaration (commander) and one parser, so both commands spell, default and check them alike.
 */
import type { Command } from 'commander';
import { RanasError } from '../errors.ts';
import type { DataChoice, RunOptions } from '../run/run-options.ts';

/** A number flag: finite, and `check` must hold; the error names the flag, the value and what was expected. */
export function num(flag: string, v: string, check: (n: number) => boolean, expected: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new RanasError('E_CLI_ARG', `${flag} is ${JSON.stringify(v)}; expected ${expected}`);
  return n;
}
/** An integer flag ≥ `min`. */
export const int = (flag: string, v: string, min: number): number => num(flag, v, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
/** A number flag ≥ 0. */
export const nonNeg = (flag: string, v: string): number => num(flag, v, (n) => n >= 0, 'a number ≥ 0');
/** A number flag > 0. */
export const pos = (flag: string, v: string): number => num(flag, v, (n) => n > 0, 'a number > 0');

const SCALES: Record<string, 1 | 2 | 3> = { '1': 1, '2': 2, '3': 3 };

/** `--scales`: 1, 2 or 3. */
export function parseScales(v: string): 1 | 2 | 3 {
  const s = SCALES[v];
  if (s === undefined) throw new RanasError('E_CLI_ARG', `--scales is ${JSON.stringify(v)}; expected 1, 2 or 3`);
  return s;
}

/** `--data`: a named source or a CIFAR binary folder. */
export function parseData(v: string): DataChoice {
  return v === 'cifar10' || v === 'mini' || v === 'synthetic' ? v : { dir: v };
}

/** Raw commander values of the shared options. */
export interface RawRunOptions {
  epochs: string;
  batchSize: string;
  lr: string;
  lrMin: string;
  momentum: string;
  weightDecay: string;
  gradClip: string;
  subset?: string;
  data: string;
  exitWeights?: string;
  seed: string;
  name?: string;
  runsDir: string;
  resume?: boolean;
  checkpointEvery: string;
  threads: string;
  json?: boolean;
}

/** Defaults of the shared options (the numbers and the runs folder). */
export type RunDefaults = Pick<RunOptions, 'epochs' | 'batchSize' | 'lr' | 'lrMin' | 'momentum' | 'weightDecay' | 'gradClip' | 'seed' | 'runsDir' | 'checkpointEvery' | 'threads'>;

/** How a command words its shared options: `weights` prefixes the SGD options ('' for train, 'weight ' for search). */
export interface RunWording {
  weights: string;
  batchSize: string;
  subset: string;
  seed: string;
}

/** Declares the shared options on `cmd`. */
export function addRunOptions(cmd: Command, d: RunDefaults, w: RunWording): Command {
  return cmd
    .option('--epochs <n>', 'epochs', String(d.epochs))
    .option('--batch-size <n>', w.batchSize, String(d.batchSize))
    .option('--lr <x>', `${w.weights}learning rate (cosine-annealed per step)`, String(d.lr))
    .option('--lr-min <x>', `final ${w.weights}learning rate`, String(d.lrMin))
    .option('--momentum <x>', `${w.weights}SGD momentum`, String(d.momentum))
    .option('--weight-decay <x>', `${w.weights}L2 weight decay`, String(d.weightDecay))
    .option('--grad-clip <x>', `max global ${w.weights}gradient norm (0 = off)`, String(d.gradClip))
    .option('--subset <n>', w.subset)
    .option('--data <src>', 'cifar10 | mini | synthetic | DIR (CIFAR binary folder)', 'cifar10')
    .option('--exit-weights <list>', 'comma-separated loss weight per exit (default equal)')
    .option('--seed <n>', w.seed, String(d.seed))
    .option('--name <name>', 'run name (folder under --runs-dir)')
    .option('--runs-dir <dir>', 'where run folders go', d.runsDir)
    .option('--resume', 'continue from the run\'s checkpoint')
    .option('--checkpoint-every <n>', 'checkpoint every n steps (and at every epoch end)', String(d.checkpointEvery))
    .option('--threads <n>', 'data-parallel replicas (worker threads)', String(d.threads))
    .option('--json', 'print the result as JSON');
}

/** Parses the shared options; `defaultName` names the run when `--name` is absent. */
export function parseRunOptions(r: RawRunOptions, defaultName: (seed: number) => string, minSubset: number): RunOptions {
  const seed = int('--seed', r.seed, 0);
  return {
    epochs: int('--epochs', r.epochs, 1),
    batchSize: int('--batch-size', r.batchSize, 1),
    lr: pos('--lr', r.lr),
    lrMin: nonNeg('--lr-min', r.lrMin),
    momentum: num('--momentum', r.momentum, (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    weightDecay: nonNeg('--weight-decay', r.weightDecay),
    gradClip: nonNeg('--grad-clip', r.gradClip),
    subset: r.subset === undefined ? undefined : int('--subset', r.subset, minSubset),
    data: parseData(r.data),
    exitWeights: r.exitWeights?.split(',').map((w) => nonNeg('--exit-weights', w.trim())),
    seed,
    name: r.name ?? defaultName(seed),
    runsDir: r.runsDir,
    resume: r.resume ?? false,
    checkpointEvery: int('--checkpoint-every', r.checkpointEvery, 0),
    threads: int('--threads', r.threads, 1),
  };
}
