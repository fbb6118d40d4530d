/**
 * The options `ranas train` and `ranas search` share: SGD hyper-parameters, data, run folder, resume and
 * threads. One declaration (commander) and one parser, so both commands spell, default and check them alike.
 */
import { Option, type Command } from 'commander';
import { RanasError } from '../errors.ts';
import { parseDataChoice, type DataChoice, type RunOptions } from '../run/run-options.ts';
import { parseExecutor } from '../exec/step-executors.ts';

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
  return parseDataChoice(v);
}

/** Raw commander values of the shared options. */
export interface RawRunOptions {
  /** The SGD numbers are undefined when a command takes them from a recipe and the flag was not given. */
  epochs?: string;
  batchSize?: string;
  lr?: string;
  lrMin?: string;
  momentum?: string;
  weightDecay?: string;
  gradClip?: string;
  subset?: string;
  data: string;
  exitWeights?: string;
  seed: string;
  name?: string;
  runsDir: string;
  resume?: boolean;
  overwrite?: boolean;
  checkpointEvery: string;
  replicas: string;
  /** Old name of --replicas (hidden). */
  threads?: string;
  executor?: string;
  json?: boolean;
}

/** Defaults of the shared options (the numbers and the runs folder). */
export type RunDefaults = Pick<RunOptions, 'epochs' | 'batchSize' | 'lr' | 'lrMin' | 'momentum' | 'weightDecay' | 'gradClip' | 'seed' | 'runsDir' | 'checkpointEvery' | 'threads'>;

/** The SGD numbers a recipe can fix. */
export type SgdNumbers = Pick<RunOptions, 'epochs' | 'batchSize' | 'lr' | 'lrMin' | 'momentum' | 'weightDecay' | 'gradClip'>;

/** How a command words its shared options: `weights` prefixes the SGD options ('' for train, 'weight ' for search). */
export interface RunWording {
  weights: string;
  batchSize: string;
  subset: string;
  seed: string;
}

/**
 * Declares the shared options on `cmd`. With `fromRecipe`, the SGD numbers have no commander default (a
 * recipe supplies them, and an explicit flag overrides it), and the help says so.
 */
export function addRunOptions(cmd: Command, d: RunDefaults, w: RunWording, fromRecipe = false): Command {
  const dflt = (v: number): string | undefined => (fromRecipe ? undefined : String(v));
  const note = fromRecipe ? ' (default: the recipe\'s)' : '';
  return cmd
    .option('--epochs <n>', `epochs${fromRecipe ? ' (default: the recipe\'s; rescales its schedule)' : ''}`, dflt(d.epochs))
    .option('--batch-size <n>', `${w.batchSize}${note}`, dflt(d.batchSize))
    .option('--lr <x>', `${w.weights}initial learning rate${fromRecipe ? ' (default: the recipe\'s)' : ' (cosine-annealed per step)'}`, dflt(d.lr))
    .option('--lr-min <x>', `final ${w.weights}learning rate of a cosine schedule${note}`, dflt(d.lrMin))
    .option('--momentum <x>', `${w.weights}SGD momentum${note}`, dflt(d.momentum))
    .option('--weight-decay <x>', `${w.weights}L2 weight decay${note}`, dflt(d.weightDecay))
    .option('--grad-clip <x>', `max global ${w.weights}gradient norm (0 = off)${note}`, dflt(d.gradClip))
    .option('--subset <n>', w.subset)
    .option('--data <src>', 'cifar10 | cifar100 (full releases: cached, else fetched, else an error) | mini (shipped 1,000-image CIFAR-10 subset) | synthetic | DIR (CIFAR binary folder, or one sub-folder per class of PNG/JPEG files, optionally under train/ and test/)', 'cifar10')
    .option('--exit-weights <list>', 'comma-separated loss weight per exit (default equal)')
    .option('--seed <n>', w.seed, String(d.seed))
    .option('--name <name>', 'run name (folder under --runs-dir)')
    .option('--runs-dir <dir>', 'where run folders go', d.runsDir)
    .option('--resume', 'continue the run named by --name from its checkpoint (an error when it does not exist)')
    .option('--overwrite', 'replace an existing run of the same name (the old folder goes only when the new run succeeds)')
    .option('--checkpoint-every <n>', 'checkpoint every n steps (and at every epoch end)', String(d.checkpointEvery))
    .option('--replicas <n>', 'data-parallel training replicas (worker threads)', String(d.threads))
    .addOption(new Option('--threads <n>', 'old name of --replicas').hideHelp())
    .option('--executor <how>', 'auto | graph (the whole step as one TensorFlow graph, native engine) | eager (op by op; wasm, replicas)', 'auto')
    .option('--json', 'print the result as JSON');
}

/**
 * Parses the shared options; `defaultName` names the run when `--name` is absent; `fallback` supplies the SGD
 * numbers whose flags were not given (a recipe's, or the command's defaults).
 */
export function parseRunOptions(r: RawRunOptions, defaultName: (seed: number) => string, minSubset: number, fallback: SgdNumbers): RunOptions {
  const seed = int('--seed', r.seed, 0);
  const or = (v: string | undefined, d: number) => v ?? String(d);
  return {
    epochs: int('--epochs', or(r.epochs, fallback.epochs), 1),
    batchSize: int('--batch-size', or(r.batchSize, fallback.batchSize), 1),
    lr: pos('--lr', or(r.lr, fallback.lr)),
    lrMin: nonNeg('--lr-min', or(r.lrMin, fallback.lrMin)),
    momentum: num('--momentum', or(r.momentum, fallback.momentum), (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    weightDecay: nonNeg('--weight-decay', or(r.weightDecay, fallback.weightDecay)),
    gradClip: nonNeg('--grad-clip', or(r.gradClip, fallback.gradClip)),
    subset: r.subset === undefined ? undefined : int('--subset', r.subset, minSubset),
    data: parseData(r.data),
    exitWeights: r.exitWeights?.split(',').map((w) => nonNeg('--exit-weights', w.trim())),
    seed,
    name: r.name ?? defaultName(seed),
    runsDir: r.runsDir,
    resume: r.resume ?? false,
    overwrite: r.overwrite ?? false,
    checkpointEvery: int('--checkpoint-every', r.checkpointEvery, 0),
    threads: r.threads !== undefined ? int('--threads', r.threads, 1) : int('--replicas', r.replicas, 1),
    executor: parseExecutor(r.executor ?? 'auto'),
  };
}
