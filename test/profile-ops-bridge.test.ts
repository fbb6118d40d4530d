// `ranas device profile-ops` over the bridge, end to end through real processes: the CLI (host) and
// `ranas-agent` (device), over a faulty serial link made of two real pty pairs and a relay process that flips
// bits, drops bytes and goes dead for 1.5 s while the op pack is on the wire; the agent is SIGKILLed while it
// measures and started again on the same port. Then the host is SIGKILLed mid-run over TCP and rerun. The
// table must come out complete, with every key the local profiler measures, each measured once. Then
// `--recalibrate` over TCP measures the calibration networks again and keeps the op entries.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLatencyTable, type LatencyTable } from '../src/bundle-format/latency-table.ts';
import { getPreset } from '../src/model/presets.ts';
import { buildOpModels, calibrationKey, CALIBRATION_SEEDS } from '../src/latency/op-models.ts';
import { makeFlashKeys } from '../firmware-bridge/test-support/flash-keys.ts';
import { openFaultyPtyLink } from '../firmware-bridge/test-support/faulty-pty-link.ts';
import { haveSocat } from '../firmware-bridge/test-support/pty-pair.ts';

const RANAS = fileURLToPath(new URL('../bin/ranas.mjs', import.meta.url));
const AGENT = fileURLToPath(new URL('../bin/ranas-agent.mjs', import.meta.url));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-profile-ops-bridge-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

const tiny = getPreset('tiny');
if (tiny.kind !== 'ms-ranas') throw new Error('tiny is an MS-RANAS preset');
const config = tiny.config;
const CALIBRATION = 2;
/** Every key a complete table of the tiny config has (what the local profiler measures). */
const expectedKeys = new Set([
  ...buildOpModels(config, 'onnx', () => {}).map((m) => m.key),
  ...CALIBRATION_SEEDS.slice(0, CALIBRATION).flatMap((seed) => config.exitLayers.map((_, k) => calibrationKey(seed, k))),
]);

interface Proc { proc: ChildProcess; out: string[]; err: string[]; exited: Promise<number | null> }

function run(bin: string, args: string[]): Proc {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, RANAS_QUIET: '0' } });
  children.push(proc);
  const p: Proc = { proc, out: [], err: [], exited: new Promise((r) => proc.once('exit', (code) => r(code))) };
  proc.stdout?.on('data', (b: Buffer) => p.out.push(...b.toString().split('\n').filter(Boolean)));
  proc.stderr?.on('data', (b: Buffer) => p.err.push(...b.toString().split('\n').filter(Boolean)));
  return p;
}

async function until(what: string, check: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function readTable(file: string): LatencyTable | undefined {
  try {
    return parseLatencyTable(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  } catch {
    return undefined; // not written yet
  }
}

/** Starts the agent on `args` (a device folder that trusts the host key) and waits for its ready line. */
async function startAgent(deviceDir: string, linkKeyFile: string, serve: string[]): Promise<Proc> {
  const a = run(AGENT, ['--bundle-dir', deviceDir, ...serve, '--key-file', linkKeyFile, '--threads', '1', '--device-name', 'pi-under-test', '--warmups', '1', '--profile-runs', '5']);
  await until('the agent to be ready', () => a.out.some((l) => l.startsWith('ready ')), 60_000);
  return a;
}

/** Keys the CLI's log says it measured in one run (`[n/N] key: p50 …`). */
function measuredKeys(p: Proc): string[] {
  return p.err.flatMap((l) => { const m = /^\[\d+\/\d+\] (.+): p50 /.exec(l); return m ? [m[1]] : []; });
}

function checkComplete(table: LatencyTable | undefined): void {
  assert.ok(table, 'the table was written');
  assert.equal(table.device, 'pi-under-test', 'the table names the device that measured it');
  assert.deepEqual(new Set(table.entries.map((e) => e.key)), expectedKeys, 'every key of the local profiler');
  assert.equal(table.entries.length, expectedKeys.size, 'each key once');
  assert.ok(table.entries.every((e) => e.p50Us > 0 && e.p99Us >= e.p50Us && e.runs > 0));
  assert.ok(table.correction && table.correction.segments === CALIBRATION * config.exitLayers.length, 'the correction was fitted on the device\'s calibration networks');
}

test('over a faulty serial link, with the agent killed and restarted while it measures: the table completes, each key measured once', async (t) => {
  if (!haveSocat()) { t.skip('socat not installed (apt-get install -y socat): no pty pairs'); return; }
  const keys = makeFlashKeys(path.join(work, 'keys-serial'), [path.join(work, 'dev-serial')]);
  const baud = 921_600;
  // The op pack is ~1.3 MB host → device: the outage falls inside its flash.
  const link = await openFaultyPtyLink({ seed: 11, baud, bitErrorRate: 1e-5, dropByteRate: 2e-5, outageAtBytes: [400_000], outageMs: 1500 });
  assert.ok(link);
  try {
    const serial = ['--serial', link.devicePath, '--baud', String(baud)];
    let agent = await startAgent(path.join(work, 'dev-serial'), keys.linkKeyFile, serial);
    const table = path.join(work, 'serial.json');
    const host = run(RANAS, ['device', 'profile-ops', '--port', link.hostPath, '--baud', String(baud), '--key-file', keys.linkKeyFile, '--signing-key', keys.signingKeyFile,
      '--preset', 'tiny', '--runtime', 'onnx', '--runs', '30', '--warmups', '2', '--calibration-networks', String(CALIBRATION), '--slice-ms', '1', '--table', table]);
    // Kill the agent once part of the table is in (the pack is flashed by then), then start it again on the same port.
    await until('a partial table', () => (readTable(table)?.entries.length ?? 0) >= 16 || host.proc.exitCode !== null, 240_000);
    const before = readTable(table)?.entries.length ?? 0;
    assert.ok(before < expectedKeys.size, `killed mid-run (${before} of ${expectedKeys.size} entries in); host log: ${host.err.slice(-3).join(' | ')}`);
    agent.proc.kill('SIGKILL');
    await agent.exited;
    agent = await startAgent(path.join(work, 'dev-serial'), keys.linkKeyFile, serial);
    const code = await host.exited;
    assert.equal(code, 0, `profile-ops exited 0; its log: ${host.err.slice(-8).join('\n')}`);
    checkComplete(readTable(table));
    const keysMeasured = measuredKeys(host);
    assert.equal(new Set(keysMeasured).size, keysMeasured.length, 'no key reported twice');
    assert.equal(host.err.filter((l) => l.startsWith('sending op pack')).length, 1, 'the pack was sent once: the restarted agent still had it');
    assert.ok(!fs.existsSync(`${table}.op-pack.tar`), 'the kept pack is removed once the table is complete');
    agent.proc.kill('SIGTERM');
    await agent.exited;
  } finally {
    const faults = await link.stop();
    console.log(`faults on the wire: ${JSON.stringify(faults)}`);
    assert.ok(faults.outages === 1 && faults.bitsFlipped > 0, `the link was faulty: ${JSON.stringify(faults)}`);
  }
});

test('the host killed mid-run over TCP: a rerun measures only what is missing and reuses the pack the device keeps', async () => {
  const keys = makeFlashKeys(path.join(work, 'keys-tcp'), [path.join(work, 'dev-tcp')]);
  const agent = await startAgent(path.join(work, 'dev-tcp'), keys.linkKeyFile, ['--listen', '127.0.0.1:0']);
  const port = /^ready tcp (\d+)/.exec(agent.out.find((l) => l.startsWith('ready tcp')) ?? '')?.[1];
  assert.ok(port);
  const table = path.join(work, 'tcp.json');
  const args = ['device', 'profile-ops', '--host', `127.0.0.1:${port}`, '--key-file', keys.linkKeyFile, '--signing-key', keys.signingKeyFile,
    '--preset', 'tiny', '--runtime', 'onnx', '--runs', '30', '--warmups', '2', '--calibration-networks', String(CALIBRATION), '--slice-ms', '1', '--table', table];
  const first = run(RANAS, args);
  await until('a partial table', () => (readTable(table)?.entries.length ?? 0) >= 16 || first.proc.exitCode !== null, 240_000);
  first.proc.kill('SIGKILL');
  await first.exited;
  const partial = readTable(table);
  assert.ok(partial && partial.entries.length < expectedKeys.size, `killed mid-run (${partial?.entries.length} entries)`);
  assert.ok(fs.existsSync(`${table}.op-pack.tar`), 'the pack is kept beside the unfinished table');
  const second = run(RANAS, args);
  assert.equal(await second.exited, 0, `the rerun exited 0; its log: ${second.err.slice(-8).join('\n')}`);
  checkComplete(readTable(table));
  const again = measuredKeys(second);
  const had = new Set(partial.entries.map((e) => e.key));
  assert.deepEqual(again.filter((k) => had.has(k)), [], 'nothing measured before is measured again');
  assert.equal(again.length, expectedKeys.size - had.size, 'the rerun measured exactly what was missing');
  assert.ok(second.err.some((l) => l.startsWith('reusing the op pack')), 'the rerun reused the kept pack');
  assert.ok(!second.err.some((l) => l.startsWith('sending op pack')), 'and did not send it again: the device keeps it');
  // --recalibrate over the bridge: the device measures the calibration networks again, and nothing else.
  const before = readTable(table);
  const third = run(RANAS, [...args, '--recalibrate']);
  assert.equal(await third.exited, 0, `--recalibrate exited 0; its log: ${third.err.slice(-8).join('\n')}`);
  const recal = readTable(table);
  checkComplete(recal);
  const calibrationKeys = [...expectedKeys].filter((k) => k.startsWith('calibration|')).sort();
  assert.deepEqual(measuredKeys(third).sort(), calibrationKeys, 'only the calibration networks were measured');
  const ops = (t: LatencyTable | undefined) => (t?.entries ?? []).filter((e) => e.part !== 'calibration').map((e) => `${e.key}=${e.p50Us}`).sort();
  assert.deepEqual(ops(recal), ops(before), 'the op entries are kept as they were');
  agent.proc.kill('SIGTERM');
  await agent.exited;
});
