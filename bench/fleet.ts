/**
 * Fleet at scale (issue 20), on a private Mosquitto on loopback:
 *  1. rollout of a real int8 TFLite bundle to A real `ranas-agent --mqtt` processes plus S simulated devices
 *     (one `ranas fleet simulate` process), waves 1/10/50/100 %: time per wave; then every real agent is
 *     asked (JSON lines) which bundle it runs and answers an inference;
 *  2. the same with 20 % of the simulated devices failing their health check (fresh broker and devices):
 *     the wave the rollout aborts in, devices rolled back, waves started;
 *  3. (--chaos) the rollout of 1 again with downloads slowed to ~4 s, the broker SIGKILLed and restarted once
 *     downloads start, and 3 agents SIGKILLed mid-download and restarted: final state and where every
 *     device ended (old / new / other).
 *   node --import tsx bench/fleet.ts [--agents 20] [--sims 1000] [--chaos] [--json]
 * Prints the load average beside every time: this machine is shared; times are wall clock under that load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, type Row } from '../src/text-table.ts';
import { connectBroker, whenConnected } from '../fleet/broker-connection.ts';
import { openFleetView } from '../fleet/fleet-view.ts';
import { rolloutSession } from '../fleet/rollout-session.ts';
import type { RolloutReport } from '../fleet/rollout.ts';
import { inferLine, makeFleetFixture, startAgentProcess, type AgentProcess, type FleetFixture } from '../fleet/testing/fleet-fixture.ts';
import { mosquittoSkipReason, startMosquitto, type TestBroker } from '../fleet/testing/mosquitto.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const AGENTS = arg('--agents', 20);
const SIMS = arg('--sims', 1000);
const RANAS = fileURLToPath(new URL('../bin/ranas.mjs', import.meta.url));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const say = (line: string) => { if (!json) process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`); };

const skip = mosquittoSkipReason();
if (skip) {
  process.stdout.write(`bench/fleet.ts skipped: ${skip}\n`);
  process.exit(0);
}

async function startSimulator(broker: TestBroker, fx: FleetFixture, count: number, failPercent: number): Promise<{ proc: ChildProcess; startS: number }> {
  const proc = spawn(process.execPath, [RANAS, 'fleet', 'simulate', '--mqtt', broker.url, '--count', String(count), '--trust-key', fx.publicKeyFile, '--initial-bundle', fx.oldBundle.tarFile, '--fail-percent', String(failPercent), '--seed', '7', '--heartbeat-s', '30'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const t0 = Date.now();
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('ready simulate')) resolve(); });
    proc.once('exit', (c) => reject(new Error(`simulator exited ${c}`)));
  });
  return { proc, startS: (Date.now() - t0) / 1000 };
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.stdin?.end();
  p.kill('SIGTERM');
  await exited;
}

/** Starts agents a few at a time (each loads tsx and the TFLite runtime and profiles its bundle). */
async function startAgents(dir: string, broker: TestBroker, fx: FleetFixture, n: number, batch = 4): Promise<{ agents: AgentProcess[]; startS: number }> {
  const t0 = Date.now();
  const agents: AgentProcess[] = [];
  for (let i = 0; i < n; i += batch) {
    agents.push(...await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => startAgentProcess({
      name: `agent-${String(i + j).padStart(2, '0')}`, storeDir: path.join(dir, `store-${i + j}`), brokerUrl: broker.url, publicKeyFile: fx.publicKeyFile, install: fx.oldBundle.tarFile, heartbeatS: 30,
    }, 300_000))));
    say(`${agents.length}/${n} agents on the broker (load ${load()})`);
  }
  return { agents, startS: (Date.now() - t0) / 1000 };
}

async function whereDevicesAre(broker: TestBroker, fx: FleetFixture): Promise<Record<string, number>> {
  const client = connectBroker({ url: broker.url });
  await whenConnected(client, broker.url);
  const view = await openFleetView(client);
  await view.settled(500, 20_000);
  const where: Record<string, number> = { old: 0, new: 0, other: 0 };
  for (const d of view.devices()) {
    const sha = d.info?.bundle?.sha256;
    where[sha === fx.oldBundle.sha256 ? 'old' : sha === fx.newBundle.sha256 ? 'new' : 'other']++;
  }
  await view.close();
  await client.endAsync();
  return where;
}

async function checkAgents(agents: AgentProcess[], fx: FleetFixture): Promise<{ onNew: number; answered: number }> {
  let onNew = 0;
  let answered = 0;
  for (const a of agents) {
    const info = await a.request({ op: 'info' });
    if ((info.result?.activeBundle as { sha256?: string } | undefined)?.sha256 === fx.newBundle.sha256) onNew++;
    const ans = await a.request(inferLine(3));
    if (ans.ok && typeof ans.result?.exitIndex === 'number') answered++;
  }
  return { onNew, answered };
}

function waveRows(scenario: string, r: RolloutReport): Row[] {
  return r.waves.map((w) => ({ scenario, wave: w.index + 1, percent: w.percent, devices: w.devices, succeeded: w.succeeded, failed: w.failed, unfinished: w.unfinished, 'rolled back': w.rolledBack ?? null, outcome: w.outcome, 'time s': Math.round(w.ms / 100) / 10 }));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-fleet-'));
const rows: Row[] = [];
const summary: Row[] = [];
try {
  const fx = await makeFleetFixture(dir);
  say(`bundle tar ${fx.newBundle.bytes.length} bytes; ${AGENTS} agents + ${SIMS} simulated devices; load ${load()}`);

  // 1. the full rollout
  {
    const broker = await startMosquitto();
    const sim = await startSimulator(broker, fx, SIMS, 0);
    say(`${SIMS} simulated devices connected in ${sim.startS.toFixed(1)} s`);
    const { agents, startS } = await startAgents(path.join(dir, 'run1'), broker, fx, AGENTS);
    try {
      const loadBefore = load();
      const t0 = Date.now();
      const r = await rolloutSession({ broker: { url: broker.url }, key: fx.key, bundle: fx.newBundle.tarFile, version: 2, rolloutId: 'bench-full', waveTimeoutMs: 600_000, health: { inferences: 5 }, log: say });
      const totalS = (Date.now() - t0) / 1000;
      rows.push(...waveRows('full', r));
      const agentCheck = await checkAgents(agents, fx);
      const where = await whereDevicesAre(broker, fx);
      summary.push({ scenario: 'full', reason: r.reason ?? null, state: r.state, 'total s': Math.round(totalS * 10) / 10, 'agents on new': `${agentCheck.onNew}/${AGENTS}`, 'agents answered': `${agentCheck.answered}/${AGENTS}`, 'devices old/new/other': `${where.old}/${where.new}/${where.other}`, 'agents start s': Math.round(startS), 'sims connect s': Math.round(sim.startS * 10) / 10, 'load avg (1/5/15 min)': `${loadBefore} → ${load()}` });
    } finally {
      await Promise.all(agents.map((a) => a.kill('SIGTERM')));
      await stopProcess(sim.proc);
      await broker.stop();
    }
  }

  // 2. 20 % failing health checks (simulated devices only; a fresh broker and fleet)
  {
    const broker = await startMosquitto();
    const sim = await startSimulator(broker, fx, SIMS, 20);
    try {
      const loadBefore = load();
      const t0 = Date.now();
      const r = await rolloutSession({ broker: { url: broker.url }, key: fx.key, bundle: fx.newBundle.tarFile, version: 2, rolloutId: 'bench-fail', waveTimeoutMs: 600_000, maxFailureFraction: 0.1, health: { inferences: 5 }, log: say });
      rows.push(...waveRows('20 % fail', r));
      const where = await whereDevicesAre(broker, fx);
      summary.push({ scenario: '20 % fail', state: r.state, 'total s': Math.round((Date.now() - t0) / 100) / 10, 'agents on new': null, 'agents answered': null, 'devices old/new/other': `${where.old}/${where.new}/${where.other}`, 'agents start s': null, 'sims connect s': Math.round(sim.startS * 10) / 10, 'load avg (1/5/15 min)': `${loadBefore} → ${load()}`, reason: r.reason ?? null });
    } finally {
      await stopProcess(sim.proc);
      await broker.stop();
    }
  }

  // 3. broker and agents killed mid-rollout
  if (args.includes('--chaos')) {
    const broker = await startMosquitto();
    const sim = await startSimulator(broker, fx, SIMS, 0);
    const { agents } = await startAgents(path.join(dir, 'run3'), broker, fx, AGENTS);
    const watcher = connectBroker({ url: broker.url, clientId: 'bench-watcher' });
    await whenConnected(watcher, broker.url);
    const view = await openFleetView(watcher);
    const events: string[] = [];
    try {
      let brokerKilled = false;
      const killed = new Set<string>();
      view.onStatus((device, status) => {
        if (status.state !== 'downloading') return;
        if (!brokerKilled) {
          brokerKilled = true;
          events.push('broker killed');
          void broker.kill('SIGKILL').then(() => new Promise((r) => setTimeout(r, 2000))).then(() => broker.restart()).then(() => events.push('broker restarted'));
        }
        const idx = agents.findIndex((a) => a.name === device);
        if (idx >= 0 && killed.size < 3 && !killed.has(device)) {
          killed.add(device);
          setTimeout(() => {
            void agents[idx].kill('SIGKILL').then(() => startAgentProcess({ name: device, storeDir: agents[idx].storeDir, brokerUrl: broker.url, publicKeyFile: fx.publicKeyFile, heartbeatS: 30 }, 300_000)).then((a) => {
              agents[idx] = a;
              events.push(`${device} killed and restarted`);
            });
          }, 1500);
        }
      });
      const loadBefore = load();
      const t0 = Date.now();
      const r = await rolloutSession({ broker: { url: broker.url }, key: fx.key, bundle: fx.newBundle.tarFile, version: 2, rolloutId: 'bench-chaos', waveTimeoutMs: 600_000, bytesPerSecond: Math.ceil(fx.newBundle.bytes.length / 4), health: { inferences: 5 }, log: say });
      rows.push(...waveRows('chaos', r));
      while (killed.size > 0 && events.filter((e) => e.endsWith('restarted')).length < killed.size + 1) await new Promise((res) => setTimeout(res, 500));
      const agentCheck = await checkAgents(agents, fx);
      const where = await whereDevicesAre(broker, fx);
      summary.push({ scenario: 'chaos', state: r.state, 'total s': Math.round((Date.now() - t0) / 100) / 10, 'agents on new': `${agentCheck.onNew}/${AGENTS}`, 'agents answered': `${agentCheck.answered}/${AGENTS}`, 'devices old/new/other': `${where.old}/${where.new}/${where.other}`, 'agents start s': null, 'sims connect s': null, 'load avg (1/5/15 min)': `${loadBefore} → ${load()}`, reason: `${r.reason ?? ''} [${events.join('; ')}; ${r.rangeRequests} range requests]` });
    } finally {
      await view.close();
      await watcher.endAsync();
      await Promise.all(agents.map((a) => a.kill('SIGTERM')));
      await stopProcess(sim.proc);
      await broker.stop();
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (json) process.stdout.write(JSON.stringify({ waves: rows, summary }, null, 2) + '\n');
else {
  printTable(rows, { title: `fleet rollout waves (${os.cpus().length} cores, load averages now ${load()})` });
  printTable(summary, { title: '\nfleet scenarios', columns: ['scenario', 'state', 'total s', 'agents on new', 'agents answered', 'devices old/new/other', 'agents start s', 'sims connect s', 'load avg (1/5/15 min)', 'reason'] });
}
process.exit(0);
