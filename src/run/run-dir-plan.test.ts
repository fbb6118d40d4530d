// Which staging folders count as a killed run, and what its logs keep on resume: a dead writer's, or a live process's that started after the
// checkpoint was written (a pid reused after a reboot); never a live writer's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killedRunStaging } from './run-dir-plan.ts';
import { trimLogsToCheckpoint } from './trim-logs.ts';
import { writeCheckpoint } from './checkpoint.ts';

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

test('on resume the log keeps what the checkpoint covers: later steps and a cut last line go, an unreadable line inside stays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-trim-'));
  try {
    writeCheckpoint(join(dir, 'checkpoint.bin'), { step: 2, data: null, meta: { epoch: 1 }, tensors: { variable: new Map(), buffer: new Map(), velocity: new Map() } });
    const lines = ['{"type":"step","step":1}', 'not json', '{"type":"step","step":2}', '{"type":"epoch","epoch":1}', '{"type":"step","step":3}', '{"type":"st'];
    writeFileSync(join(dir, 'log.jsonl'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'alphas.jsonl'), '{"epoch":1}\n{"epoch":2}\n');
    assert.deepEqual(trimLogsToCheckpoint(dir), { droppedLogLines: 2, droppedAlphaLines: 1 });
    assert.equal(readFileSync(join(dir, 'log.jsonl'), 'utf8'), lines.slice(0, 4).join('\n') + '\n');
    assert.equal(readFileSync(join(dir, 'alphas.jsonl'), 'utf8'), '{"epoch":1}\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
