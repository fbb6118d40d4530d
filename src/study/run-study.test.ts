/**
 * The study pipeline end to end at toy size (the smoke plan on generated data): every stage runs, stops after
 * a stage limit and resumes where it stopped, commits each stage's outputs into git, reuses finished stages,
 * matches parameters, and writes a README whose tables and plots come from the stage results.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { haveSocat } from '../../firmware-bridge/test-support/pty-pair.ts';
import { readPretrained, resolveModelRef } from '../pretrained-models.ts';
import { runStudy, type StudyOptions } from './run-study.ts';
import { SMOKE_PLAN } from './study-plan.ts';

test('the smoke study runs stage by stage, commits each stage, resumes after a stage limit, and reports', { timeout: 900_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-study-'));
  try {
    const repo = join(root, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('config', 'user.email', 'study@test');
    git('config', 'user.name', 'study test');
    const skipDevice = !haveSocat();
    const o: StudyOptions = {
      plan: SMOKE_PLAN, resultsDir: join(repo, 'results', 'study'), workDir: join(root, 'work'), threads: 1,
      gitCommit: true, skipDevice, maxStages: 3, command: 'ranas study --plan smoke', pretrainedDir: join(repo, 'models', 'pretrained'),
    };
    const lines: string[] = [];
    const say = (l: string) => lines.push(l);

    const first = await runStudy(o, say);
    assert.deepEqual(first.ran, ['search-s0', 'train-ms-ranas-searched', 'export-ms-ranas-searched']);
    assert.ok(first.pending.includes('train-msdnet') && first.pending.includes('ablation-no-exits') && first.pending.includes('budget-e2'), `pending: ${first.pending.join(', ')}`);
    assert.match(readFileSync(first.readme, 'utf8'), /Not finished:.*train-msdnet/);
    // The report committed with the first stage already shows that stage's result, and says the study runs on.
    const afterSearch = git('log', '--format=%H', '--grep', 'search-s0 finished').trim();
    const midReport = git('show', `${afterSearch}:results/study/README.md`);
    assert.match(midReport, /\| s0 \| seed \d+/, 'the search table has s0');
    assert.match(midReport, /still running/);
    assert.match(midReport, /\*\*Budget so far:\*\* \d+\.\d\d CPU-hours/);
    assert.doesNotMatch(midReport, /All stages finished/);
    const commitsAfterFirst = git('log', '--format=%s').trim().split('\n');
    assert.ok(commitsAfterFirst.includes('study: export-ms-ranas-searched finished (results in ' + o.resultsDir + ')'), commitsAfterFirst.join(' | '));

    // --report-only runs nothing and leaves the pending stages pending.
    const reportOnly = await runStudy({ ...o, maxStages: 0, reportOnly: true }, say);
    assert.deepEqual(reportOnly.ran, []);
    assert.ok(reportOnly.pending.includes('train-msdnet'), reportOnly.pending.join(', '));

    const second = await runStudy({ ...o, maxStages: 0 }, say);
    assert.ok(!second.ran.includes('search-s0') && !second.ran.includes('train-ms-ranas-searched'), `reran a finished stage: ${second.ran.join(', ')}`);
    assert.ok(second.ran.includes('train-msdnet') && second.ran.includes('ablation-no-exits'));
    assert.deepEqual(second.pending, []);
    assert.equal(git('status', '--porcelain').trim(), '', 'every output is committed');

    const third = await runStudy({ ...o, maxStages: 0 }, say);
    assert.deepEqual(third.ran, [], 'a finished study reruns nothing');

    const readme = readFileSync(second.readme, 'utf8');
    for (const n of SMOKE_PLAN.networks) assert.match(readme, new RegExp(`\\(\`${n.name}\`, (C|nChannels) \\d+`), `README row of ${n.name}`);
    assert.match(readme, /All stages finished/);
    assert.match(readme, /\*\*Budget \(measured\):\*\* \d+\.\d\d CPU-hours/);
    // The learning curves: every trained network's loss per epoch and its validation top-1 after every epoch.
    const curves = readme.slice(readme.indexOf('### Learning curves'), readme.indexOf('## Searches'));
    for (const n of SMOKE_PLAN.networks) assert.ok(curves.includes(`| ${n.label} | training loss | `), `learning curve of ${n.name}`);
    assert.ok((curves.match(/\| validation top-1 % \| \d+\.\d/g) ?? []).length >= SMOKE_PLAN.networks.length, curves);
    assert.ok(existsSync(join(o.resultsDir, 'anytime-macs.svg')) && existsSync(join(o.resultsDir, 'budgeted-macs.svg')));
    if (!skipDevice) for (const f of ['anytime-ms.svg', 'budgeted-ms.svg']) assert.ok(existsSync(join(o.resultsDir, f)), `${f}: latency plot from the local agent`);
    // Parameters matched to the reference within the plan's tolerance; trained weights committed.
    const stage = (name: string) => JSON.parse(readFileSync(join(o.resultsDir, 'stages', `${name}.json`), 'utf8')).result;
    const ref = stage('train-ms-ranas-searched').params;
    for (const n of SMOKE_PLAN.networks) {
      const r = stage(`train-${n.name}`);
      assert.ok(Math.abs(r.params / ref - 1) <= SMOKE_PLAN.paramTolerance, `${n.name}: ${r.params} params vs reference ${ref}`);
      // Markers store paths relative to the results folder (a clone elsewhere still finds the files).
      assert.match(r.modelDir, /^@results\//);
      assert.ok(existsSync(join(r.modelDir.replace(/^@results/, o.resultsDir), 'weights.bin')));
      assert.equal(r.exits.length, n.kind === 'msdnet' ? r.exits.length : SMOKE_PLAN.grid.layers - 1);
      for (let k = 1; k < r.exits.length; k++) assert.ok(r.exits[k].anytimeMacs > r.exits[k - 1].anytimeMacs, 'anytime MACs grow with the exit');
    }
    assert.equal(git('ls-files', '--', 'results/study/networks/msdnet/model/weights.bin').trim(), 'results/study/networks/msdnet/model/weights.bin');

    // The best MS-RANAS network (by validation top-1 at the last exit, among the compared ones and the best of
    // them trained longer) shipped, committed, and readable by name.
    assert.ok(first.pending.includes('ship') && second.ran.includes('ship'));
    const shipped = readPretrained(resolveModelRef('pretrained:smoke-ms-ranas', o.pretrainedDir));
    const msRanas = SMOKE_PLAN.networks.filter((n) => n.kind === 'ms-ranas' && n.scales === SMOKE_PLAN.grid.scales).map((n) => stage(`train-${n.name}`));
    const lastVal = (t: { exits: { valTop1: number }[] }) => t.exits[t.exits.length - 1].valTop1;
    const best = msRanas.reduce((a, b) => (lastVal(b) > lastVal(a) ? b : a));
    // The goal run: the smoke plan's cap (3 epochs) against its 1-epoch recipe and 2-epoch budget run.
    for (const s of [`goal-${best.name}-e3`, `export-${best.name}-e3`, ...(skipDevice ? [] : [`device-${best.name}-e3`])]) assert.ok(second.ran.includes(s), `${s} ran: ${second.ran.join(', ')}`);
    const goal = stage(`goal-${best.name}-e3`);
    assert.equal(goal.epochs.length, 3);
    assert.equal(goal.params, best.params, 'the same network');
    const winner = lastVal(goal) > lastVal(best) ? goal : best;
    assert.equal(shipped.source.network, winner.name);
    assert.equal(shipped.source.epochs, winner.epochs.length);
    assert.deepEqual(shipped.exits.map((e) => e.fp32Top1), winner.exits.map((e: { testTop1: number }) => e.testTop1));
    assert.deepEqual(shipped.bundles, ['onnx-int8', 'tflite-int8']);
    assert.ok(existsSync(join(o.pretrainedDir ?? '', 'smoke-ms-ranas', 'model', 'weights.bin')));
    assert.ok(!existsSync(join(o.pretrainedDir ?? '', 'smoke-ms-ranas', 'onnx-fp32')), 'only the int8 bundles ship');
    if (!skipDevice) assert.ok(shipped.exits.every((e) => e.p50Us !== null && e.p50Us > 0), 'latency per exit from the device stage');
    assert.match(git('ls-files', '--', 'models/pretrained/smoke-ms-ranas/pretrained.json'), /pretrained\.json/);

    // The shipped network trained again with the plan's other epoch counts: a row per epoch count, and the fit.
    assert.ok(second.ran.includes(`budget-${best.name}-e2`), second.ran.join(', '));
    const e2 = stage(`budget-${best.name}-e2`);
    assert.equal(e2.epochs.length, 2);
    assert.equal(e2.params, best.params, 'the same network');
    const budget = readme.slice(readme.indexOf('### Accuracy against training epochs'), readme.indexOf('## Searches'));
    assert.ok(budget.includes(`\`${best.name}\``), budget);
    assert.match(budget, /\n\| 1 \| [\d.]+ \|[\s\S]*\n\| 2 \| [\d.]+ \|/);
    assert.match(budget, /A power law|does not fall with epochs/);
    assert.match(budget, /\*\*Goal run\.\*\* [\s\S]*so it trained \*\*3 epochs\*\*/);
    assert.ok(budget.includes(`| ${goal.label} (\`${goal.name}\`, C `), budget);
    assert.ok(curves.includes(`| ${goal.label} | training loss | `), 'the goal run has a learning curve');
    assert.throws(() => resolveModelRef('pretrained:nope', o.pretrainedDir), /no shipped network named 'nope'.*there are: smoke-ms-ranas/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a network the plan cannot size stops the study right after the search it needs, before any training', { timeout: 300_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-study-'));
  try {
    const o: StudyOptions = {
      plan: { ...SMOKE_PLAN, paramTolerance: 1e-6 }, resultsDir: join(root, 'results'), workDir: join(root, 'work'), threads: 1,
      gitCommit: false, skipDevice: true, maxStages: 0, command: 'ranas study --plan smoke', pretrainedDir: join(root, 'pretrained'),
    };
    await assert.rejects(runStudy(o, () => {}), (e: Error & { code?: string }) => e.code === 'E_STUDY_PARAMS' && /expected within 0 %/.test(e.message));
    assert.deepEqual(readdirSync(join(o.resultsDir, 'stages')).filter((f) => f.endsWith('.json')), ['search-s0.json']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
