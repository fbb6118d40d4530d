/**
 * `ranas demo --toy --offline` end to end inside `npm test`: shipped mini data, one search step, a few
 * training steps, int8 export, a real `ranas-agent` child process on a socat pty pair, flash with a
 * generated key, a budget sweep; then the report must be consistent. Also the pure budget helpers.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { haveSocat } from '../firmware-bridge/test-support/pty-pair.ts';
import { parseDemoOptions } from '../src/cli/commands/demo.ts';
import { budgetsFromProfile, summariseBudget } from '../src/demo/budget-sweep.ts';
import { runDemo } from '../src/demo/run-demo.ts';
import { initialAlphas } from '../src/demo/alpha-evolution.ts';
import { ALPHA_NAMES, buildMsRanasSupernet } from '../src/model/supernet.ts';
import { searchSupernetConfig } from '../src/search/search-options.ts';

test('budgetsFromProfile: half of exit 1 p50 to 1.5 × the whole path p99 geometrically, plus 1.2 × each exit cumulative p99', () => {
  const seg = (p50Us: number, p99Us: number) => ({ p50Us, p99Us });
  const b = budgetsFromProfile([seg(1000, 1200), seg(1500, 2000), seg(800, 800)], 3);
  // Grid: 0.5 × 1000 = 500 … 1.5 × (1200 + 2000 + 800) = 6000, middle = the geometric mean (1732);
  // per exit: 1.2 × 1200, 1.2 × 3200, 1.2 × 4000.
  assert.deepEqual(b, [500, 1440, 1732, 3840, 4800, 6000]);
  assert.throws(() => budgetsFromProfile([seg(0, 1), seg(10, 10)], 4), /positive latencies/);
});

test('summariseBudget counts exits, misses, quantiles and met/total disagreements', () => {
  const s = summariseBudget('deadline', 100, 3, [
    { exitIndex: 0, correct: true, totalUs: 50, met: true, overBudget: false },
    { exitIndex: 2, correct: false, totalUs: 150, met: false, overBudget: false },
    { exitIndex: 2, correct: true, totalUs: 90, met: false, overBudget: false },
  ]);
  assert.deepEqual(s.exitCounts, [1, 0, 2]);
  assert.equal(s.accuracy, 2 / 3);
  assert.equal(s.p50Us, 90);
  assert.equal(s.p99Us, 150);
  assert.equal(s.misses, 2);
  assert.equal(s.metMismatches, 1);
});

// The toy demo costs about 40 CPU seconds in the test process plus the agent's start; the timeout leaves room
// for a heavily shared CI machine (it never asserts on time).
test('ranas demo --toy: every exit present, latencies > 0, accuracies in [0, 1], met ⇔ total ≤ budget, flash verified', { timeout: 600_000 }, async (t) => {
  if (!haveSocat()) { t.skip('socat not installed (apt-get install -y socat): no pty pair for the local agent'); return; }
  const runsDir = mkdtempSync(join(tmpdir(), 'ranas-demo-'));
  try {
    const o = parseDemoOptions({ name: 'toy', runsDir, toy: true, offline: true, baud: '921600', policies: 'deadline,confidence', seed: '0' });
    const lines: string[] = [];
    // RANAS_TEST_VERBOSE=1 prints the demo's progress (stage times) while the test runs.
    const verbose = process.env.RANAS_TEST_VERBOSE === '1';
    const { report, reportJson, reportHtml } = await runDemo(o, (l) => { lines.push(l); if (verbose) process.stderr.write(`demo: ${l}\n`); });
    assert.equal(report.data.which, 'cifar10-mini');
    assert.ok(existsSync(reportJson) && existsSync(reportHtml));

    const exits = report.exits.length;
    assert.ok(exits >= 2, `the tiny preset has several exits, found ${exits}`);
    assert.deepEqual(report.exits.map((e) => e.exit), [...Array(exits).keys()]);
    assert.equal(report.device.profile.segments.length, exits, 'one profiled segment per exit');
    for (const e of report.exits) {
      assert.ok(e.fp32Top1 >= 0 && e.fp32Top1 <= 1, `exit ${e.exit} fp32 top-1 ${e.fp32Top1}`);
      assert.ok(e.int8Top1 !== null && e.int8Top1 >= 0 && e.int8Top1 <= 1, `exit ${e.exit} int8 top-1 ${e.int8Top1}`);
      assert.ok(e.segmentP50Us > 0 && e.segmentP99Us >= e.segmentP50Us, `exit ${e.exit} latency p50 ${e.segmentP50Us} p99 ${e.segmentP99Us}`);
      assert.ok(e.mmacs > 0 && e.params > 0);
    }
    for (let k = 1; k < exits; k++) assert.ok(report.exits[k].mmacs > report.exits[k - 1].mmacs, 'MMACs grow with the exit');

    assert.ok(report.device.flash.verified, 'the device runs the flashed tar');
    assert.equal(report.device.flash.alreadyActive, false, 'a fresh local agent received the bundle');
    assert.ok(report.device.sweep.length >= o.budgetSteps + exits, `at least one policy swept fully; got ${report.device.sweep.length} points`);
    for (const s of report.device.sweep) {
      assert.equal(s.requests, o.deviceImages);
      assert.equal(s.exitCounts.length, exits);
      assert.equal(s.exitCounts.reduce((a, b) => a + b, 0), s.requests, 'every answer came from an exit');
      assert.ok(s.accuracy >= 0 && s.accuracy <= 1);
      assert.ok(s.p50Us > 0 && s.p99Us >= s.p50Us);
      assert.equal(s.metMismatches, 0, `${s.policy} ${s.budgetUs} µs: met must equal total ≤ budget`);
    }
    // The sweep starts below exit 1's p99 (deadline misses or over-budget answers) and ends above the whole path.
    const deadline = report.device.sweep.filter((s) => s.policy === 'deadline');
    const last = deadline.at(-1);
    assert.ok(last && last.exitCounts[exits - 1] > 0, 'the largest budget reaches the last exit');
    assert.ok(deadline[0].budgetUs < report.exits[0].segmentP99Us, 'the smallest budget is below exit 1 p99');

    const onDisk: unknown = JSON.parse(readFileSync(reportJson, 'utf8'));
    assert.equal(typeof onDisk === 'object' && onDisk !== null ? Reflect.get(onDisk, 'name') : undefined, 'toy');
    const html = readFileSync(reportHtml, 'utf8');
    assert.equal((html.match(/<svg/g) ?? []).length, 4, 'three inline SVG plots and the cell diagram');
    assert.match(html, /Searched cells \(genotype [0-9a-f]+\)[\s\S]*normal cell[\s\S]*reduction cell/, 'the searched cells drawn from the genotype');
    assert.ok(!/<script/i.test(html), 'no scripts: viewable offline');
    assert.ok(report.alphaEvolution.length > 0 && report.alphaEvolution.every((p) => p.weight > 0 && p.weight < 1));
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});

test('initialAlphas re-draws the supernet initialisation exactly (epoch 0 of the α evolution)', () => {
  const g = buildMsRanasSupernet(searchSupernetConfig({ preset: 'tiny', nodes: 2, searchExits: true, seed: 5 }));
  for (const cell of ['normal', 'reduce'] as const) {
    const w = g.weights[ALPHA_NAMES[cell]];
    assert.deepEqual(Float32Array.from(initialAlphas(5, cell, w.shape[0]).flat()), w.data);
  }
});
