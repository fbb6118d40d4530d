/**
 * `ranas --help`, `--version` and `<cmd> --help` only register the commands: every command's implementation
 * (the engine, vega, converters, the device client, mqtt, image decoders …) loads inside its action. The CLI
 * is started with a module hook that reports each package the project's own code imports; registration
 * may need commander and nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const bin = new URL('../bin/ranas.mjs', import.meta.url).pathname;

/** Packages `ranas` may load to print help or its version. */
const REGISTRATION_PACKAGES = new Set(['commander']);

/** Reports (on stderr) every import of a package by a file outside node_modules, with that file. */
const HOOK = `export async function resolve(spec, context, next) {
  const r = await next(spec, context);
  const parent = context.parentURL ?? '';
  if (r.url.includes('/node_modules/') && !parent.includes('/node_modules/') && !parent.endsWith('/bin/compiled.mjs')) {
    process.stderr.write('PACKAGE ' + spec + ' ' + parent + '\\n');
  }
  return r;
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

/** Packages the project's code imports while `ranas ...args` runs (from the sources, through tsx), by the file importing them. */
function packagesLoaded(args: string[]): { stdout: string; status: number | null; packages: Map<string, string> } {
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, RANAS_TSX: '1' },
  });
  const packages = new Map<string, string>();
  for (const line of r.stderr.split('\n')) {
    const m = /^PACKAGE (\S+) (\S+)$/.exec(line);
    if (m && !packages.has(m[1])) packages.set(m[1], m[2]);
  }
  return { stdout: r.stdout, status: r.status, packages };
}

for (const args of [['--help'], ['--version'], ['train', '--help'], ['device', 'flash', '--help'], ['fleet', 'rollout', '--help']]) {
  test(`ranas ${args.join(' ')} loads no command implementation (only commander among packages)`, () => {
    const r = packagesLoaded(args);
    assert.equal(r.status, 0);
    assert.ok(r.stdout.length > 0, 'printed nothing');
    assert.ok(r.packages.has('commander'), `the hook saw no package at all (${[...r.packages.keys()].join(', ')}); expected it to see commander`);
    const extra = [...r.packages].filter(([p]) => !REGISTRATION_PACKAGES.has(p)).map(([p, from]) => `${p} (imported by ${from.replace(/^.*\/(src|converters|firmware-bridge|fleet|device)\//, '$1/')})`);
    assert.deepEqual(extra, [], `ranas ${args.join(' ')} loaded ${extra.join(', ')}; expected only ${[...REGISTRATION_PACKAGES].join(', ')}: import a command's implementation inside its action`);
  });
}
