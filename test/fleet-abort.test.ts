/**
 * Staged rollout with failures, on a real Mosquitto with simulated devices (the same protocol code as the
 * real agent): 20 % of the devices fail their health check; the rollout must abort in the first wave whose
 * failures pass the threshold, roll that wave back, and never start a later wave.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rolloutSession } from '../fleet/rollout-session.ts';
import { startSimulatedFleet } from '../fleet/simulated-fleet.ts';
import { planWaves } from '../fleet/waves.ts';
import { makeFleetFixture, type FleetFixture } from '../fleet/testing/fleet-fixture.ts';
import { mosquittoSkipReason, startMosquitto, type TestBroker } from '../fleet/testing/mosquitto.ts';

const skip = mosquittoSkipReason();
let dir = '';
let broker: TestBroker;
let fx: FleetFixture;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-fleet-abort-'));
  broker = await startMosquitto();
  fx = await makeFleetFixture(dir);
});
after(async () => {
  if (skip) return;
  await broker.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('20 % failing health checks: abort in the first wave past the threshold, that wave rolled back, no later wave', { skip }, async () => {
  const count = 60;
  const fails = (i: number) => i % 5 === 0; // 20 %
  const sims = await startSimulatedFleet({
    broker: { url: broker.url }, trusted: fx.trusted, count, initial: { name: fx.oldBundle.name, sha256: fx.oldBundle.sha256 },
    failsHealthCheck: fails, stagingDir: path.join(dir, 'sim-staging'), installMs: 5, healthMs: 5,
  });
  try {
    const percents = [5, 25, 100];
    const threshold = 0.1;
    const seed = 3;
    // Expected abort wave from the plan: the first whose failing devices pass floor(10 % of its size).
    const plan = planWaves(sims.names, percents, seed);
    const failing = new Set(sims.names.filter((_, i) => fails(i)));
    const expected = plan.findIndex((w) => w.devices.filter((d) => failing.has(d)).length > Math.floor(threshold * w.devices.length));
    assert.ok(expected >= 0);

    const report = await rolloutSession({ broker: { url: broker.url }, key: fx.key, bundle: fx.newBundle.tarFile, version: 2, rolloutId: 'abort-test', wavePercents: percents, maxFailureFraction: threshold, seed, waveTimeoutMs: 30_000, rollbackTimeoutMs: 30_000 });
    assert.equal(report.state, 'aborted');
    assert.match(report.reason ?? '', new RegExp(`^wave ${expected + 1}: `));
    assert.equal(report.waves.length, expected + 1, 'no wave after the aborted one started');
    const aborted = report.waves[expected];
    assert.equal(aborted.outcome, 'aborted');
    assert.equal(aborted.rolledBack, plan[expected].devices.length, 'every device of the aborted wave confirmed its rollback');
    for (const [k, w] of plan.entries()) {
      for (const d of w.devices) {
        const c = sims.countersOf(d);
        if (k < expected) assert.equal(sims.activeOf(d), failing.has(d) ? fx.oldBundle.sha256 : fx.newBundle.sha256, `${d} in healthy wave ${k + 1}`);
        else if (k === expected) assert.equal(sims.activeOf(d), fx.oldBundle.sha256, `${d} in the aborted wave is back on the old bundle`);
        else {
          assert.equal(sims.activeOf(d), fx.oldBundle.sha256, `${d} in a later wave`);
          assert.equal(c.installs, 0, `${d} in a later wave never got a job`);
        }
      }
    }
    const failedInAborted = plan[expected].devices.filter((d) => failing.has(d));
    assert.ok(failedInAborted.length > 0);
    for (const d of failedInAborted) assert.ok(sims.countersOf(d).rollbacks >= 1, `${d} rolled itself back after its failed health check`);
  } finally {
    await sims.close();
  }
});
