import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { isRanasError } from '../errors.ts';
import { parseSearchOptions, registerSearch } from './commands/search.ts';
import { parseTrainOptions, registerTrain } from './commands/train.ts';

/** Parses `ranas <name> ...args` with the real command declaration, through the command's own parser. */
function parsed(name: 'train', args: string[]): ReturnType<typeof parseTrainOptions>;
function parsed(name: 'search', args: string[]): ReturnType<typeof parseSearchOptions>;
function parsed(name: 'train' | 'search', args: string[]): unknown {
  const program = new Command().exitOverride();
  (name === 'train' ? registerTrain : registerSearch)(program);
  const cmd = program.commands.find((c) => c.name() === name);
  assert.ok(cmd);
  let result: unknown;
  if (name === 'train') cmd.action((raw: Parameters<typeof parseTrainOptions>[0]) => { result = parseTrainOptions(raw); });
  else cmd.action((raw: Parameters<typeof parseSearchOptions>[0]) => { result = parseSearchOptions(raw); });
  program.parse(['node', 'ranas', name, ...args]);
  return result;
}

test('train and search parse the shared options alike, with their own defaults and run names', () => {
  const t = parsed('train', ['--epochs', '3', '--lr', '0.1', '--seed', '4', '--data', 'mini', '--threads', '2']);
  assert.deepEqual([t.epochs, t.lr, t.seed, t.data, t.threads, t.name, t.momentum, t.dropPath], [3, 0.1, 4, 'mini', 2, 'train-tiny-s4', 0.9, 0]);
  const s = parsed('search', ['--epochs', '3', '--lr', '0.1', '--seed', '4', '--data', '/x/cifar']);
  assert.deepEqual([s.epochs, s.lr, s.seed, s.data, s.name], [3, 0.1, 4, { dir: '/x/cifar' }, 'search-tiny-s4']);
});

test('a bad shared option is a typed error naming the flag, the value and what was expected', () => {
  const cases: [('train' | 'search'), string[], RegExp][] = [
    ['train', ['--lr', '0'], /--lr is "0"; expected a number > 0/],
    ['search', ['--momentum', '1'], /--momentum is "1"; expected a number in \[0, 1\)/],
    ['search', ['--subset', '1'], /--subset is "1"; expected an integer ≥ 2/],
    ['train', ['--epochs', ''], /--epochs is ""; expected an integer ≥ 1/],
    ['train', ['--drop-path', '1'], /--drop-path is "1"; expected a probability in \[0, 1\)/],
    ['search', ['--scales', '4'], /--scales is "4"; expected 1, 2 or 3/],
  ];
  for (const [name, args, message] of cases) {
    const parse = () => (name === 'train' ? parsed('train', args) : parsed('search', args));
    assert.throws(parse, (e: unknown) => isRanasError(e) && e.code === 'E_CLI_ARG' && message.test(e.message), `${name} ${args.join(' ')}`);
  }
});

test('train --recipe: the recipe supplies every number a flag does not; --epochs rescales; config records what was overridden', () => {
  const d = parsed('train', ['--recipe', 'darts', '--epochs', '2', '--subset', '2000']);
  assert.deepEqual([d.epochs, d.batchSize, d.lr, d.lrMin, d.momentum, d.weightDecay, d.gradClip, d.cutout, d.dropPath, d.auxiliaryWeight, d.nesterov, d.schedule.kind],
    [2, 96, 0.025, 0, 0.9, 3e-4, 5, 16, 0.2, 0.4, false, 'cosine-per-epoch']);
  assert.deepEqual([d.recipe.name, d.recipe.epochs, d.recipe.overridden], ['darts', 2, ['epochs']]);
  const m = parsed('train', ['--recipe', 'msdnet', '--lr', '0.05', '--no-cutout']);
  assert.deepEqual([m.epochs, m.batchSize, m.lr, m.weightDecay, m.gradClip, m.cutout, m.nesterov, m.schedule.milestones], [300, 64, 0.05, 1e-4, 0, 0, true, [0.5, 0.75]]);
  assert.deepEqual(m.recipe.overridden.sort(), ['cutout', 'lr']);
  const q = parsed('train', []);
  assert.deepEqual([q.recipe.name, q.epochs, q.lr, q.cutout, q.schedule.kind], ['quick', 10, 0.05, 16, 'cosine-per-step']);
  assert.throws(() => parsed('train', ['--recipe', 'adam']), (e: unknown) => isRanasError(e, 'E_CLI_ARG') && /expected one of darts, msdnet, quick/.test(e.message));
});

test('search: cutout on by default (the paper\'s best search), --no-cutout turns it off; train takes the grid options search takes', () => {
  assert.equal(parsed('search', []).cutout, 16);
  assert.equal(parsed('search', ['--no-cutout']).cutout, 0);
  const t = parsed('train', ['--scales', '1', '--layers', '5', '--init-channels', '16', '--nodes', '4', '--exit-layers', 'last']);
  assert.deepEqual([t.scales, t.layers, t.initChannels, t.nodes, t.exitLayers], [1, 5, 16, 4, 'last']);
  assert.deepEqual(parsed('train', ['--exit-layers', '3,5']).exitLayers, [3, 5]);
});
