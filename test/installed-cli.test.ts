/**
 * The host toolchain as a user installs it: `npm pack` here (prepack compiles dist/, prebuilds the TFLite
 * addon, pins versions with npm-shrinkwrap.json), `npm install -g` of the tarball into a fresh prefix, then
 * `ranas --help`, `ranas model summary` and `ranas demo --toy --offline` from an empty folder. The install
 * must hold no TypeScript loader (tsx is a dev tool) and its bins run the compiled JavaScript. About
 * 3-5 minutes (pack, install from the npm cache, the toy demo); never asserts on time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { haveSocat } from '../firmware-bridge/test-support/pty-pair.ts';
import { PACKAGE_ROOT } from '../src/package-root.ts';

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...env } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${(r.stderr || '').slice(-2000)}\n${(r.stdout || '').slice(-1000)}`);
  return r.stdout;
}

test('npm pack → npm install -g → ranas --help, model summary and demo --toy from an empty folder, no tsx', { timeout: 1_500_000 }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'ranas-installed-'));
  try {
    // Packed from a copy of the checkout (its node_modules linked), so prepack's dist/ and natives/ never
    // change under tests running beside this one.
    const copy = join(tmp, 'checkout');
    const skipTop = new Set(['node_modules', 'dist', 'natives', 'build', 'runs', '.cache', '.git']);
    cpSync(PACKAGE_ROOT, copy, { recursive: true, filter: (from) => !skipTop.has(relative(PACKAGE_ROOT, from).split('/')[0]) });
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(copy, 'node_modules'));
    const packed = run('npm', ['pack', '--silent', '--pack-destination', tmp], copy).trim().split('\n').pop() ?? '';
    const tarball = join(tmp, packed);
    assert.ok(existsSync(tarball), `npm pack wrote ${tarball}`);
    const prefix = join(tmp, 'prefix');
    // ORT's installer would fetch CUDA files; its CPU libraries are in the package (as in setup.sh).
    run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', tarball], tmp, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
    const installed = join(prefix, 'lib', 'node_modules', 'ranas');
    assert.ok(existsSync(join(installed, 'dist', '.built')), 'the package holds the compiled JavaScript');
    assert.ok(!existsSync(join(installed, 'node_modules', 'tsx')), 'tsx is not installed with the package');
    assert.ok(!existsSync(join(installed, 'src')), 'no TypeScript sources in the package');
    const ranas = join(prefix, 'bin', 'ranas');
    const work = join(tmp, 'work');
    mkdirSync(work);

    assert.match(run(ranas, ['--help'], work), /Usage: ranas/);
    assert.match(run(ranas, ['model', 'summary'], work), /total/);
    if (!haveSocat()) { t.diagnostic('socat not installed: ranas demo --toy (which needs a pty pair) not run'); return; }
    run(ranas, ['demo', '--toy', '--offline'], work, { RANAS_QUIET: '1' }, 900_000);
    const runs = join(work, 'runs');
    assert.ok(existsSync(runs), 'the demo wrote its run folder under the current folder');
    const reports = readdirSync(runs, { recursive: true }).map(String).filter((f) => f.endsWith('report.json'));
    assert.ok(reports.length > 0, `a demo report in ${runs}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
