/**
 * A rollout through failures: the broker is killed (SIGKILL, nothing persisted) mid-rollout and started
 * again, and all three real agents are killed (SIGKILL) while they download the bundle, then restarted on
 * the same store. The rollout must end completed or aborted with a clear status, and every device must run
 * the old or the new bundle — never a broken one — with every real agent still answering inference.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectBroker, whenConnected } from '../fleet/broker-connection.ts';
import { openFleetView } from '../fleet/fleet-view.ts';
import { rolloutSession } from '../fleet/rollout-session.ts';
import { startSimulatedFleet } from '../fleet/simulated-fleet.ts';
import { inferLine, makeFleetFixture, startAgentProcess, type AgentLaunch, type AgentProcess, type FleetFixture } from '../fleet/testing/fleet-fixture.ts';
import { mosquittoSkipReason, startMosquitto, type TestBroker } from '../fleet/testing/mosquitto.ts';

const skip = mosquittoSkipReason();
let dir = '';
let broker: TestBroker;
let fx: FleetFixture;
const agents = new Map<string, AgentProcess>();

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-fleet-chaos-'));
  broker = await startMosquitto();
  fx = await makeFleetFixture(dir);
});
after(async () => {
  if (skip) return;
  await Promise.all([...agents.values()].map((a) => a.kill('SIGKILL')));
  await broker.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('broker killed and restarted mid-rollout, 3 agents killed mid-download: every device on the old or new bundle, clear final status', { skip }, async () => {
  const launch = (i: number, first: boolean): AgentLaunch => ({ name: `agent-${i}`, storeDir: path.join(dir, `store-${i}`), brokerUrl: broker.url, publicKeyFile: fx.publicKeyFile, ...(first ? { install: fx.oldBundle.tarFile } : {}) });
  for (const a of await Promise.all([0, 1, 2].map((i) => startAgentProcess(launch(i, true))))) agents.set(a.name, a);
  const sims = await startSimulatedFleet({ broker: { url: broker.url }, trusted: fx.trusted, count: 20, initial: { name: fx.oldBundle.name, sha256: fx.oldBundle.sha256 }, stagingDir: path.join(dir, 'sim-staging'), installMs: 5, healthMs: 5 });
  const watcher = connectBroker({ url: broker.url, clientId: 'chaos-watcher' });
  await whenConnected(watcher, broker.url);
  const view = await openFleetView(watcher);
  const events: string[] = [];
  try {
    // ~4 s per download: long enough to kill an agent half way.
    const bytesPerSecond = Math.ceil(fx.newBundle.bytes.length / 4);
    const rollout = rolloutSession({ broker: { url: broker.url }, key: fx.key, bundle: fx.newBundle.tarFile, version: 2, rolloutId: 'chaos', wavePercents: [30, 100], waveTimeoutMs: 120_000, bytesPerSecond, health: { inferences: 2 } });
    const killed = new Set<string>();
    let brokerKilled = false;
    const chaos = new Promise<void>((resolve, reject) => {
      const off = view.onStatus((device, status) => {
        if (status.rolloutId !== 'chaos' || status.state !== 'downloading') return;
        if (!brokerKilled) {
          brokerKilled = true;
          events.push(`broker killed while ${device} downloads`);
          void broker.kill('SIGKILL').then(() => new Promise((r) => setTimeout(r, 1500))).then(() => broker.restart()).then(() => events.push('broker restarted'), reject);
        }
        const agent = agents.get(device);
        if (agent && !killed.has(device)) {
          killed.add(device);
          setTimeout(() => {
            const part = path.join(agent.storeDir, 'fleet-staging', `${fx.newBundle.sha256}.tar.part`);
            events.push(`${device} killed with ${fs.existsSync(part) ? fs.statSync(part).size : 0} of ${fx.newBundle.bytes.length} bytes staged`);
            void agent.kill('SIGKILL').then(() => new Promise((r) => setTimeout(r, 500))).then(() => startAgentProcess(launch(Number(device.split('-')[1]), false))).then((a) => {
              agents.set(device, a);
              events.push(`${device} restarted`);
              if (killed.size === 3) { off(); resolve(); }
            }, reject);
          }, 1500);
        }
      });
    });
    const report = await rollout;
    await chaos;
    console.log(events.join('\n'));
    assert.ok(report.state === 'completed' || report.state === 'aborted', `final state ${report.state}`);
    if (report.state === 'aborted') assert.ok(report.reason && report.reason.length > 0, 'an abort says why');
    assert.equal(killed.size, 3, 'all three agents were killed mid-download');
    assert.ok(events.includes('broker restarted'));
    assert.ok(report.rangeRequests >= 1, 'a killed agent resumed its download with a range request');
    const allowed = new Set([fx.oldBundle.sha256, fx.newBundle.sha256]);
    for (const a of agents.values()) {
      const info = await a.request({ op: 'info' });
      const sha = (info.result?.activeBundle as { sha256: string }).sha256;
      assert.ok(allowed.has(sha), `${a.name} runs ${sha}`);
      if (report.state === 'completed') assert.equal(sha, fx.newBundle.sha256, `${a.name} finished the rollout`);
      const ans = await a.request(inferLine(2));
      assert.equal(ans.ok, true, `${a.name} answers: ${JSON.stringify(ans.error)}`);
    }
    for (const d of sims.names) {
      assert.ok(allowed.has(sims.activeOf(d)), d);
      if (report.state === 'completed') assert.equal(sims.activeOf(d), fx.newBundle.sha256, d);
    }
    assert.equal(report.state, 'completed', `with these faults every device can finish: ${report.reason}`);
  } finally {
    await view.close();
    await watcher.endAsync();
    await sims.close();
  }
});
