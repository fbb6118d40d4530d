// kill -9 mid-epoch, resume, and the next step's loss equals an uninterrupted run's (bit-exact expected,
// ≤ 1e-6 accepted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '../run/checkpoint.ts';

const fixture = new URL('./resume-fixture.ts', import.meta.url).pathname;
const node = (args: string[]) => [process.execPath, ['--import', 'tsx', fixture, ...args]] as const;

interface Line { step: number; loss: number; exitLosses: number[] }
const readLog = (dir: string): Line[] =>
  existsSync(join(dir, 'log.jsonl')) ? readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) : [];

test('a run killed with SIGKILL after a checkpoint resumes with the same losses as an uninterrupted run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-resume-'));
  try {
    const full = join(root, 'full');
    const [cmd, args] = node([full]);
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    assert.equal(r.status, 0);
    const reference = readLog(full);
    assert.equal(reference.length, 16, 'two epochs of 8 steps');

    const killed = join(root, 'killed');
    const [cmd2, args2] = node([killed, '--slow-ms', '150']);
    const child = spawn(cmd2, args2, { stdio: 'inherit' });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    // Kill once step 4 is logged: the checkpoint after step 3 is on disk, epoch 1 is half done.
    let childExited = false;
    void exited.then(() => { childExited = true; });
    // Generous wait: engine start-up on a loaded shared machine can take a minute.
    for (let i = 0; i < 6000 && readLog(killed).length < 4 && !childExited; i++) await new Promise((res) => setTimeout(res, 50));
    assert.ok(readLog(killed).length >= 4 && !childExited, 'the child reached step 4 and is still running');
    child.kill('SIGKILL');
    await exited;
    const ck = readCheckpoint(join(killed, 'checkpoint.bin'));
    assert.ok(ck.step >= 3 && ck.step % 3 === 0 && ck.step < 8, `killed mid-epoch after a checkpoint (step ${ck.step})`);
    const before = readLog(killed).length;

    const [cmd3, args3] = node([killed, '--resume']);
    assert.equal(spawnSync(cmd3, args3, { stdio: 'inherit' }).status, 0);
    const resumed = readLog(killed).slice(before);
    assert.equal(resumed[0].step, ck.step + 1, 'the resumed run starts at the step after the checkpoint');
    for (const line of resumed) {
      const ref = reference[line.step - 1];
      assert.equal(ref.step, line.step);
      assert.ok(Math.abs(line.loss - ref.loss) <= 1e-6, `step ${line.step}: ${line.loss} vs ${ref.loss}`);
      line.exitLosses.forEach((l, k) => assert.ok(Math.abs(l - ref.exitLosses[k]) <= 1e-6));
    }
    assert.equal(resumed[resumed.length - 1].step, 16);
    assert.equal(resumed[0].loss, reference[ck.step].loss, 'bit-exact at the first resumed step');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
