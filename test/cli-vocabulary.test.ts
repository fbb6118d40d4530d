// docs/cli.md is the one vocabulary of the CLI: every shared option it lists appears in the --help of every
// command it names, with the same default; retired names are in no help; every command's --help renders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { buildProgram } from '../src/cli/main.ts';

const doc = readFileSync(new URL('../docs/cli.md', import.meta.url), 'utf8');

/** Rows of the markdown table between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
function tableRows(name: string): string[][] {
  const block = doc.split(`<!-- ${name}:start -->`)[1]?.split(`<!-- ${name}:end -->`)[0];
  assert.ok(block, `docs/cli.md has a ${name} table`);
  return block.trim().split('\n').slice(2).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

/** Every command with no sub-commands, by its path ("device infer"). */
function leafCommands(c: Command, prefix = ''): Map<string, Command> {
  const out = new Map<string, Command>();
  for (const sub of c.commands) {
    const path = `${prefix}${sub.name()}`;
    if (sub.commands.length === 0) out.set(path, sub);
    else for (const [p, s] of leafCommands(sub, `${path} `)) out.set(p, s);
  }
  return out;
}

/** The default a help shows for an option: commander's, else "(default X)" in its description; booleans off. */
function shownDefault(o: Option): string {
  if (o.defaultValue !== undefined && o.defaultValue !== false) return String(o.defaultValue);
  const m = /\(default:? ([^)]+)\)/.exec(o.description);
  if (m) return m[1].replace(/^"|"$/g, '');
  return o.defaultValue === false || !o.required ? 'off' : 'none';
}

const commands = leafCommands(buildProgram());

test('every command renders its --help', () => {
  assert.ok(commands.size >= 15, `found ${commands.size} commands`);
  for (const [path, cmd] of commands) assert.match(cmd.helpInformation(), new RegExp(`^Usage: ranas ${path}`), path);
});

test('docs/cli.md vocabulary: same option name and default in every command it lists', () => {
  const rows = tableRows('vocabulary');
  assert.ok(rows.length >= 15);
  for (const [flagCell, meaning, defaultCell, commandCell] of rows) {
    const flags = flagCell.replaceAll('`', '');
    const long = flags.split(' ')[0];
    const perCommand = new Map(defaultCell.split(';').map((d) => d.trim()).filter((d) => d.includes(':')).map((d) => {
      const i = d.lastIndexOf(':');
      return [d.slice(0, i).trim(), d.slice(i + 1).trim()] as const;
    }));
    for (const path of commandCell.split(',').map((c) => c.trim())) {
      const cmd = commands.get(path);
      assert.ok(cmd, `docs/cli.md lists ${long} for "${path}", which is not a command`);
      const opt = cmd.options.find((o) => o.long === long && !o.hidden);
      assert.ok(opt, `ranas ${path} --help has no ${long} (docs/cli.md: ${meaning})`);
      assert.equal(opt.flags.replace(/^-\w, /, ''), flags, `ranas ${path}: ${long} is spelled "${opt.flags}"; docs/cli.md says "${flags}"`);
      assert.ok(cmd.helpInformation().includes(opt.flags), `${long} is shown in ranas ${path} --help`);
      const expected = perCommand.get(path) ?? (perCommand.size === 0 ? defaultCell : undefined);
      assert.ok(expected !== undefined, `docs/cli.md gives no default of ${long} for ${path}`);
      if (expected === 'computed') continue;
      assert.equal(shownDefault(opt), expected, `ranas ${path} ${long}: --help shows default ${shownDefault(opt)}; docs/cli.md says ${expected}`);
    }
  }
});

test('retired option names are in no command\'s --help (the agent alone has --threads)', () => {
  const retired = tableRows('retired').map(([old]) => old.replaceAll('`', '').split(' ')[0]);
  assert.deepEqual(retired, ['--output', '--eval', '--cutout-px', '--threads']);
  for (const [path, cmd] of commands) {
    for (const flag of retired) assert.ok(!cmd.options.some((o) => o.long === flag && !o.hidden), `ranas ${path} --help still shows ${flag}`);
  }
});

test('ranas --help lists the environment variables and the exit status', () => {
  const help = buildProgram().helpInformation() + '';
  const program = buildProgram();
  let out = '';
  program.configureOutput({ writeOut: (s) => { out += s; } });
  program.outputHelp();
  assert.ok(help.length > 0);
  for (const v of ['RANAS_DATA', 'RANAS_BACKEND', 'RANAS_QUIET', 'RANAS_DEBUG']) assert.match(out, new RegExp(`\\n  ${v} +\\S`));
  assert.match(out, /Exit status: .*130/);
});
