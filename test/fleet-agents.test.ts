/**
 * Real `ranas-agent --mqtt` processes (int8 TFLite bundles) and simulated devices on a real Mosquitto:
 *  - a staged rollout completes; every real agent then runs the new bundle and answers inference;
 *  - jobs with a bad signature, an unknown key, an older version or a replayed id are ignored by every
 *    device (real and simulated): nothing changes on any device and each refusal is counted by reason;
 *  - a real agent whose health check fails after the install rolls its store back and keeps answering.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectBroker, whenConnected } from '../fleet/broker-connection.ts';
import { openFleetView } from '../fleet/fleet-view.ts';
import { generateSigningKeyPem, signPayload } from '../fleet/job-signing.ts';
import { parseEnvelope, parseJob, type FleetJob } from '../fleet/messages.ts';
import { nextJobSeq } from '../fleet/rollout.ts';
import { rolloutSession } from '../fleet/rollout-session.ts';
import { startSimulatedFleet, type SimulatedFleet } from '../fleet/simulated-fleet.ts';
import { deviceTopic } from '../fleet/topics.ts';
import { inferLine, makeFleetFixture, startAgentProcess, type AgentProcess, type FleetFixture } from '../fleet/testing/fleet-fixture.ts';
import { mosquittoSkipReason, startMosquitto, type TestBroker } from '../fleet/testing/mosquitto.ts';
import { createPrivateKey } from 'node:crypto';

const skip = mosquittoSkipReason();
const AGENTS = 3;
const SIMS = 30;
let dir = '';
let broker: TestBroker;
let fx: FleetFixture;
let agents: AgentProcess[] = [];
let sims: SimulatedFleet;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-fleet-agents-'));
  broker = await startMosquitto();
  fx = await makeFleetFixture(dir);
  agents = await Promise.all(Array.from({ length: AGENTS }, (_, i) => startAgentProcess({
    name: `agent-${i}`, storeDir: path.join(dir, `store-${i}`), brokerUrl: broker.url, publicKeyFile: fx.publicKeyFile, install: fx.oldBundle.tarFile,
  })));
  sims = await startSimulatedFleet({ broker: { url: broker.url }, trusted: fx.trusted, count: SIMS, initial: { name: fx.oldBundle.name, sha256: fx.oldBundle.sha256 }, stagingDir: path.join(dir, 'sim-staging'), installMs: 5, healthMs: 5 });
});
after(async () => {
  if (skip) return;
  await sims?.close();
  await Promise.all(agents.map((a) => a.kill('SIGTERM')));
  await broker.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('rollout to real agents and simulated devices completes; every agent answers on the new bundle', { skip }, async () => {
  for (const a of agents) {
    const info = await a.request({ op: 'info' });
    assert.equal((info.result?.activeBundle as { sha256: string }).sha256, fx.oldBundle.sha256, `${a.name} starts on the old bundle`);
  }
  const report = await rolloutSession({ broker: { url: broker.url }, key: fx.key, bundle: fx.newBundle.tarFile, version: 2, rolloutId: 'r-complete', wavePercents: [10, 50, 100], waveTimeoutMs: 120_000, health: { inferences: 3 } });
  assert.equal(report.state, 'completed', report.reason);
  assert.equal(report.waves.reduce((n, w) => n + w.succeeded, 0), AGENTS + SIMS);
  assert.deepEqual(report.failures, []);
  for (const a of agents) {
    const info = await a.request({ op: 'info' });
    const active = info.result?.activeBundle as { name: string; sha256: string };
    assert.deepEqual([active.name, active.sha256], [fx.newBundle.name, fx.newBundle.sha256], `${a.name} runs the new bundle`);
    const ans = await a.request(inferLine(5));
    assert.equal(ans.ok, true, JSON.stringify(ans.error));
    assert.equal(ans.result?.exitIndex, 1);
    const stats = await a.request({ op: 'stats' });
    assert.equal(stats.result?.installs, 2, 'the --install at start and the rollout');
  }
  for (const d of sims.names) assert.equal(sims.activeOf(d), fx.newBundle.sha256);
});

test('bad signature, unknown key, older version and replayed job id are ignored by every device', { skip }, async () => {
  const client = connectBroker({ url: broker.url });
  await whenConnected(client, broker.url);
  // Capture the jobs of the next (legitimate) rollout to replay them afterwards.
  const captured = new Map<string, string>();
  client.on('message', (topic, payload) => { if (topic.endsWith('/job') && payload.length > 0) captured.set(topic, payload.toString()); });
  await client.subscribeAsync('ranas/devices/+/job', { qos: 1 });
  const report = await rolloutSession({ broker: { url: broker.url }, key: fx.key, bundle: fx.oldBundle.tarFile, version: 3, rolloutId: 'r-v3', wavePercents: [100], waveTimeoutMs: 120_000, health: { inferences: 1 } });
  assert.equal(report.state, 'completed', report.reason);
  const accepted = new Map(captured); // the r-v3 jobs every device accepted (later publications below are ours)
  const view = await openFleetView(client, 'ranas', true);
  await view.settled();
  const devices = [...agents.map((a) => a.name), ...sims.names];
  const installs = Object.fromEntries(sims.names.map((d) => [d, sims.countersOf(d).installs]));
  const statusBefore = Object.fromEntries(devices.map((d) => [d, view.get(d)?.status?.jobId]));
  for (const d of devices) assert.equal(view.get(d)?.info?.bundle?.sha256, fx.oldBundle.sha256, `${d} on release 3 (the old bundle re-released)`);

  const other = generateSigningKeyPem();
  const otherKey = { privateKey: createPrivateKey(other.privatePem), keyId: other.keyId };
  const forged = async (d: string, make: (job: FleetJob) => string) => {
    const original = parseJob(parseEnvelope(accepted.get(deviceTopic('ranas', d, 'job')) ?? '', 'captured').payload);
    await client.publishAsync(deviceTopic('ranas', d, 'job'), make(original), { qos: 1, retain: true });
  };
  const sabotage: Record<string, (job: FleetJob) => string> = {
    // Payload changed after signing (install the new bundle as release 9): the signature no longer verifies.
    'bad-signature': (job) => {
      const env = signPayload({ ...job, jobId: `${job.jobId}-x`, seq: nextJobSeq(), bundle: { ...job.bundle, version: 9 } }, fx.key);
      return JSON.stringify({ ...env, payload: env.payload.replace(fx.oldBundle.sha256, fx.newBundle.sha256) });
    },
    'unknown-key': (job) => JSON.stringify(signPayload({ ...job, jobId: `${job.jobId}-k`, seq: nextJobSeq(), bundle: { ...job.bundle, sha256: fx.newBundle.sha256, version: 9 } }, otherKey)),
    'older-version': (job) => JSON.stringify(signPayload({ ...job, jobId: `${job.jobId}-o`, seq: nextJobSeq(), bundle: { ...job.bundle, sha256: fx.newBundle.sha256, sizeBytes: fx.newBundle.bytes.length, version: 2 } }, fx.key)),
  };
  for (const make of Object.values(sabotage)) for (const d of devices) await forged(d, make);
  // Replay: after a newer job (a signed no-op rollback) each device gets its accepted r-v3 job again.
  const rollbacks = new Map<string, string>();
  for (const d of devices) {
    const original = parseJob(parseEnvelope(accepted.get(deviceTopic('ranas', d, 'job')) ?? '', 'captured').payload);
    const noop: FleetJob = { ...original, jobId: `${original.jobId}-newer`, seq: nextJobSeq(), action: 'rollback', bundle: { ...original.bundle, sha256: 'e'.repeat(64) } };
    rollbacks.set(d, JSON.stringify(signPayload(noop, fx.key)));
    await client.publishAsync(deviceTopic('ranas', d, 'job'), rollbacks.get(d) ?? '', { qos: 1, retain: true });
  }
  await waitFor(() => devices.every((d) => view.get(d)?.status?.jobId?.endsWith('-newer') && view.get(d)?.status?.state === 'rolled-back'), 30_000, 'the newer no-op job');
  for (const d of devices) await client.publishAsync(deviceTopic('ranas', d, 'job'), accepted.get(deviceTopic('ranas', d, 'job')) ?? '', { qos: 1, retain: true });

  // Every device counts each refusal once; nothing else changed.
  const reasons = ['bad-signature', 'unknown-key', 'older-version', 'replayed'];
  await waitFor(() => sims.sessions.every((s) => reasons.every((r) => s.refusals[r as keyof typeof s.refusals] === 1)), 30_000, 'simulated refusals', () => JSON.stringify(sims.sessions.map((s) => s.refusals).slice(0, 3)));
  await waitFor(() => agents.every((a) => reasons.every((r) => view.get(a.name)?.heartbeat?.stats[`jobsRefused.${r}`] === 1)), 30_000, 'agent refusals in heartbeats');
  for (const d of devices) {
    assert.equal(view.get(d)?.info?.bundle?.sha256, fx.oldBundle.sha256, `${d} still on release 3`);
    assert.equal(view.get(d)?.info?.bundle?.version, 3);
    assert.ok(view.get(d)?.status?.jobId?.endsWith('-newer'), `${d}'s latest job is the accepted no-op, not a refused one`);
    assert.notEqual(statusBefore[d], undefined);
  }
  for (const d of sims.names) assert.equal(sims.countersOf(d).installs, installs[d], `${d} installed nothing`);
  for (const a of agents) {
    const stats = await a.request({ op: 'stats' });
    assert.equal(stats.result?.installs, 3, `${a.name}: start, r-complete, r-v3 — no install from a refused job`);
  }
  await view.close();
  await client.endAsync();
});

test('real agents whose health check fails roll back to the previous bundle; the rollout aborts', { skip }, async () => {
  // After the tests above every device runs release 3 (the old bundle). A p99 limit of 1 µs fails every
  // real agent's health check after the install: each must roll its store back and keep answering.
  const names = agents.map((a) => a.name);
  const report = await rolloutSession({ broker: { url: broker.url }, key: fx.key, bundle: fx.newBundle.tarFile, version: 4, rolloutId: 'r-unhealthy', devices: names, wavePercents: [100], waveTimeoutMs: 120_000, rollbackTimeoutMs: 60_000, health: { inferences: 1, maxP99Us: 1 } });
  assert.equal(report.state, 'aborted');
  // The rollout aborts at the first failure (0 of 3 allowed); the others may still be installing then.
  assert.ok(report.failures.length >= 1);
  for (const f of report.failures) assert.match(f.error, /health check failed \(E_FLEET_HEALTH: segment 0 p99 is \d+ µs; the rollout allows at most 1 µs\); rolled back/);
  assert.equal(report.waves[0].rolledBack, AGENTS);
  let installedThenRolledBack = 0;
  for (const a of agents) {
    const info = await a.request({ op: 'info' });
    assert.equal((info.result?.activeBundle as { sha256: string }).sha256, fx.oldBundle.sha256, `${a.name} is back on the previous bundle`);
    const stats = await a.request({ op: 'stats' });
    assert.ok(stats.result?.installs === 3 || stats.result?.installs === 4, `${a.name}: release 4 installed (then refused by its health check) or never reached`);
    if (stats.result?.installs === 4) installedThenRolledBack++;
    const ans = await a.request(inferLine(9));
    assert.equal(ans.ok, true);
  }
  assert.ok(installedThenRolledBack >= report.failures.length, 'every reported failure installed the bundle and rolled it back');
});

async function waitFor(cond: () => boolean | undefined, timeoutMs: number, what: string, show?: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${show ? `: ${show()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
