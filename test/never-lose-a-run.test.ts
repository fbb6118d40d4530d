// Never lose or overwrite a run: SIGINT mid-epoch writes a checkpoint and prints the resume command, the
// resumed run's next step has the same loss as an uninterrupted run's; a run name is reused only with
// --overwrite; --resume of a missing run is an error; a failing command leaves no folder behind; a run killed
// outright (SIGKILL) resumes from the checkpoint it left in its staging folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '../src/run/checkpoint.ts';

const bin = new URL('../bin/ranas.mjs', import.meta.url).pathname;
const env = { ...process.env, RANAS_QUIET: '0' };

interface StepLine { type: string; step: number; loss?: number; trainLoss?: number }
/** Step lines of the log.jsonl in `dir` (the staging folder while a new run is running). */
function steps(dir: string): StepLine[] {
  const p = join(dir, 'log.jsonl');
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as StepLine).filter((l) => l.type === 'step');
}
/** The folder a new run is staged in (hidden, beside its final place). */
function stagingDir(runsDir: string, name: string): string | null {
  const d = existsSync(runsDir) ? readdirSync(runsDir).find((f) => f.startsWith(`.${name}.staging-`)) : undefined;
  return d === undefined ? null : join(runsDir, d);
}
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });

/** Starts `args`, sends `signal` once `after` steps are logged (and, for SIGKILL, a checkpoint exists), and returns the exit code and stderr. */
async function interruptAfter(args: string[], runsDir: string, name: string, after: number, signal: 'SIGINT' | 'SIGKILL' = 'SIGINT'): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  let code: number | null | undefined;
  const exited = new Promise<void>((res) => child.on('exit', (c) => { code = c; res(); }));
  // Generous wait: engine start-up on a loaded shared machine can take a minute.
  for (let i = 0; i < 3000 && code === undefined; i++) {
    const dir = stagingDir(runsDir, name);
    if (dir !== null && steps(dir).length >= after && (signal === 'SIGINT' || existsSync(join(dir, 'checkpoint.bin')))) break;
    await new Promise((res) => setTimeout(res, 40));
  }
  assert.equal(code, undefined, `the run was still going after ${after} steps: ${stderr}`);
  child.kill(signal);
  await exited;
  return { code: code ?? null, stderr };
}

/** SIGINT mid-epoch, then resume: the resumed steps have the uninterrupted run's losses. */
async function interruptAndResume(command: 'train' | 'search', common: string[], stepsPerEpoch: number, lossOf: (l: StepLine) => number | undefined) {
  const runsDir = mkdtempSync(join(tmpdir(), `ranas-${command}-sigint-`));
  try {
    const base = [command, ...common, '--runs-dir', runsDir, '--checkpoint-every', '0'];
    const full = run([...base, '--name', 'full']);
    assert.equal(full.status, 0, full.stderr);
    const reference = steps(join(runsDir, 'full'));

    const cut = await interruptAfter([...base, '--name', 'cut'], runsDir, 'cut', 2);
    assert.equal(cut.code, 130, `SIGINT exits 130: ${cut.stderr}`);
    assert.match(cut.stderr, /Continue with:\n {2}ranas .*--name cut --resume/);
    assert.equal(stagingDir(runsDir, 'cut'), null, 'the stopped run was moved into place');
    const ck = readCheckpoint(join(runsDir, 'cut', 'checkpoint.bin'));
    const before = steps(join(runsDir, 'cut'));
    assert.equal(ck.step, before.length, 'the checkpoint holds every logged step (--checkpoint-every 0: written by the stop)');
    assert.ok(ck.step >= 2 && ck.step % stepsPerEpoch !== 0, `stopped mid-epoch (step ${ck.step}, ${stepsPerEpoch} steps an epoch)`);

    const resumed = run([...base, '--name', 'cut', '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const after = steps(join(runsDir, 'cut')).slice(before.length);
    assert.equal(after[0].step, ck.step + 1);
    assert.equal(after.at(-1)?.step, reference.length);
    for (const line of after) {
      const ref = reference[line.step - 1];
      const a = lossOf(line);
      const b = lossOf(ref);
      assert.ok(a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-6, `${command} step ${line.step}: loss ${a} resumed vs ${b} uninterrupted`);
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}

test('train: SIGINT mid-epoch checkpoints, prints the resume command, and the resumed run matches an uninterrupted one', async () => {
  await interruptAndResume('train', ['--data', 'synthetic', '--subset', '128', '--batch-size', '8', '--epochs', '2', '--no-eval'], 16, (l) => l.loss);
});

test('search: SIGINT mid-epoch checkpoints, prints the resume command, and the resumed run matches an uninterrupted one', async () => {
  await interruptAndResume('search', ['--data', 'synthetic', '--subset', '64', '--batch-size', '4', '--epochs', '2'], 8, (l) => l.trainLoss);
});

test('train: a run killed outright (SIGKILL) resumes from the checkpoint in its staging folder, each step logged once, losses as uninterrupted', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'ranas-train-sigkill-'));
  try {
    const base = ['train', '--data', 'synthetic', '--subset', '128', '--batch-size', '8', '--epochs', '2', '--no-eval', '--runs-dir', runsDir, '--checkpoint-every', '3'];
    const full = run([...base, '--name', 'full']);
    assert.equal(full.status, 0, full.stderr);
    const reference = steps(join(runsDir, 'full'));

    const killed = await interruptAfter([...base, '--name', 'cut'], runsDir, 'cut', 5, 'SIGKILL');
    assert.equal(killed.code, null, 'killed by the signal');
    const staging = stagingDir(runsDir, 'cut');
    assert.ok(staging !== null && !existsSync(join(runsDir, 'cut')), 'a killed run cannot move its folder into place');
    const ck = readCheckpoint(join(staging, 'checkpoint.bin'));

    const again = run([...base, '--name', 'cut']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /E_RUN_EXISTS.*run cut was killed before it finished .*with a checkpoint.*--resume/);
    assert.ok(existsSync(join(staging, 'checkpoint.bin')), 'the refused run left the killed one untouched');

    const resumed = run([...base, '--name', 'cut', '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(stagingDir(runsDir, 'cut'), null, 'the killed run\'s staging folder became the run folder');
    const logged = steps(join(runsDir, 'cut'));
    assert.deepEqual(logged.map((l) => l.step), reference.map((l) => l.step), `each step logged once (checkpoint at step ${ck.step})`);
    for (const line of logged.slice(ck.step)) {
      const ref = reference[line.step - 1];
      assert.ok(line.loss !== undefined && ref.loss !== undefined && Math.abs(line.loss - ref.loss) <= 1e-6, `step ${line.step}: loss ${line.loss} resumed vs ${ref.loss} uninterrupted`);
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});

test('a run name is reused only with --overwrite; --resume of a missing run is an error; a failed command leaves no folder', () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'ranas-names-'));
  try {
    const base = ['train', '--data', 'synthetic', '--subset', '8', '--batch-size', '8', '--epochs', '1', '--no-eval', '--runs-dir', runsDir];
    assert.equal(run([...base, '--name', 't1']).status, 0);
    const firstConfig = readFileSync(join(runsDir, 't1', 'config.json'), 'utf8');

    const again = run([...base, '--name', 't1', '--epochs', '2']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /E_RUN_EXISTS.*t1 already exists \(a train run.*--overwrite/);
    assert.equal(readFileSync(join(runsDir, 't1', 'config.json'), 'utf8'), firstConfig, 'the refused run left the old one untouched');

    const missing = run([...base, '--name', 'nope', '--resume']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /E_RUN_MISSING.*no run folder .*nope.*runs in .*: t1/);

    // Fails after the run folder was opened (the model has 3 exits): nothing may remain, old run kept.
    const failed = run([...base, '--name', 't1', '--overwrite', '--exit-weights', '1']);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /E_TRAIN_OPTION/);
    const failedNew = run([...base, '--name', 'fresh', '--exit-weights', '1']);
    assert.equal(failedNew.status, 1);
    assert.deepEqual(readdirSync(runsDir).sort(), ['t1'], 'no half-written or staging folder');
    assert.equal(readFileSync(join(runsDir, 't1', 'config.json'), 'utf8'), firstConfig, 'a failed --overwrite keeps the old run');

    const replaced = run([...base, '--name', 't1', '--overwrite', '--epochs', '2']);
    assert.equal(replaced.status, 0, replaced.stderr);
    assert.match(readFileSync(join(runsDir, 't1', 'config.json'), 'utf8'), /"epochs": 2/);
    assert.deepEqual(readdirSync(runsDir).sort(), ['t1']);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});
