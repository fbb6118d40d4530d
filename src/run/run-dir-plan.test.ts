// Which staging folders count as a killed run: a dead writer's, or a live process's that started after the
// checkpoint was written (a pid reused after a reboot); never a live writer's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killedRunStaging } from './run-dir-plan.ts';

test('a killed run is a staging folder with a checkpoint whose writer is gone, or whose pid now belongs to a newer process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-killed-run-'));
  try {
    const staging = (pid: number) => {
      const d = join(dir, `.x.staging-${pid}`);
      mkdirSync(d);
      writeFileSync(join(d, 'checkpoint.bin'), 'ck');
      return d;
    };
    const live = staging(process.pid);
    assert.equal(killedRunStaging(dir, 'x'), null, 'this live process wrote the checkpoint just now');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(live, 'checkpoint.bin'), hourAgo, hourAgo);
    if (process.platform === 'linux') assert.equal(killedRunStaging(dir, 'x'), live, 'written before this process started: another process used the pid');
    rmSync(live, { recursive: true });

    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const dead = staging(Number(child.stdout));
    mkdirSync(join(dir, '.x.staging-notapid'));
    mkdirSync(join(dir, '.y.staging-1'));
    assert.equal(killedRunStaging(dir, 'x'), dead, 'the exited writer\'s folder');
    rmSync(join(dead, 'checkpoint.bin'));
    assert.equal(killedRunStaging(dir, 'x'), null, 'no checkpoint: nothing to resume');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
