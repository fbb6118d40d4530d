import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UNIT = new URL('./ranas-agent.service', import.meta.url).pathname;
const haveSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

function verify(file: string) {
  return spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
}

test('ranas-agent.service passes systemd-analyze verify with no warning', { skip: haveSystemdAnalyze ? false : 'systemd-analyze not installed (Debian package systemd)' }, () => {
  const r = verify(UNIT);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warnings');
});

test('systemd-analyze verify catches what it should: an unknown key warns, a missing program fails', { skip: haveSystemdAnalyze ? false : 'systemd-analyze not installed (Debian package systemd)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-unit-'));
  try {
    const unit = readFileSync(UNIT, 'utf8');
    const bad = join(dir, 'ranas-agent.service');
    writeFileSync(bad, unit.replace('Restart=always', 'Restart=always\nRestartTypo=1'));
    assert.match(verify(bad).stderr, /Unknown key 'RestartTypo'/);
    writeFileSync(bad, unit.replace('ExecStart=/usr/bin/node ', 'ExecStart=/usr/bin/no-such-node '));
    assert.notEqual(verify(bad).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
