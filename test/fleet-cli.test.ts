/**
 * `ranas fleet keygen|list|rollout|status|abort|profile` as a user runs them (the real CLI processes), against
 * simulated devices on a real Mosquitto: the tables name the devices, a rollout completes (exit 0), an
 * operator's abort stops a slow rollout (exit 1, reason in the rollout state) and rolls its wave back.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSigningKey, readTrustedKeys } from '../fleet/job-signing.ts';
import { startSimulatedFleet, type SimulatedFleet } from '../fleet/simulated-fleet.ts';
import { makeFleetFixture, type FleetFixture } from '../fleet/testing/fleet-fixture.ts';
import { mosquittoSkipReason, startMosquitto, type TestBroker } from '../fleet/testing/mosquitto.ts';

const BIN = fileURLToPath(new URL('../bin/ranas.mjs', import.meta.url));
const skip = mosquittoSkipReason();
let dir = '';
let broker: TestBroker;
let fx: FleetFixture;
let sims: SimulatedFleet;
let key = '';

function ranas(args: string[], onStderr?: (text: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RANAS_QUIET: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); onStderr?.(stderr); });
    p.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-fleet-cli-'));
  broker = await startMosquitto();
  fx = await makeFleetFixture(dir);
  const base = path.join(dir, 'ops');
  key = `${base}.key`;
  const gen = await ranas(['fleet', 'keygen', '--out', base]);
  assert.equal(gen.code, 0, gen.stderr);
  assert.equal(fs.statSync(key).mode & 0o777, 0o600);
  sims = await startSimulatedFleet({ broker: { url: broker.url }, trusted: readTrustedKeys([`${base}.pub`]), count: 8, initial: { name: fx.oldBundle.name, sha256: fx.oldBundle.sha256 }, stagingDir: path.join(dir, 'sim-staging'), installMs: 5, healthMs: 5 });
});
after(async () => {
  if (skip) return;
  await sims?.close();
  await broker.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('keygen refuses to overwrite; list, rollout, status and profile print what the fleet holds', { skip }, async () => {
  assert.equal(readSigningKey(key).keyId.length, 16);
  const again = await ranas(['fleet', 'keygen', '--out', key.replace(/\.key$/, '')]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /E_KEY_EXISTS.*already exists/);

  const list = await ranas(['fleet', 'list', '--mqtt', broker.url, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const listed: { device: string; online: boolean; sha256: string }[] = JSON.parse(list.stdout);
  assert.deepEqual(listed.map((d) => d.device), sims.names);
  assert.ok(listed.every((d) => d.online && d.sha256 === fx.oldBundle.sha256.slice(0, 12)));

  const roll = await ranas(['fleet', 'rollout', fx.newBundle.tarFile, '--mqtt', broker.url, '--key', key, '--release', '2', '--waves', '25,100', '--id', 'cli-1', '--health-inferences', '1']);
  assert.equal(roll.code, 0, roll.stderr);
  assert.match(roll.stdout, /rollout cli-1: .* v2 — completed; 2 of 2 waves/);
  for (const d of sims.names) assert.equal(sims.activeOf(d), fx.newBundle.sha256);

  const status = await ranas(['fleet', 'status', '--mqtt', broker.url, '--rollout', 'cli-1']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^rollout cli-1: completed; 8 succeeded/);

  const profile = await ranas(['fleet', 'profile', '--mqtt', broker.url, '--json']);
  const prof: Record<string, string | number>[] = JSON.parse(profile.stdout);
  assert.equal(prof.length, 8 + 2);
  assert.match(String(prof[8].device), /fleet median \(8 devices\)/);
  assert.ok(typeof prof[9]['exit1 p99 µs'] === 'number' && prof[9]['exit1 p99 µs'] > Number(prof[9]['exit0 p99 µs']));
});

test('an operator abort stops a running rollout and rolls its wave back (after the first test: devices on release 2)', { skip }, async () => {
  // Slow downloads (~10 s each) so the abort (a CLI process starting, ~2-4 s here) arrives while the first wave runs.
  const rate = String(Math.ceil(fx.oldBundle.bytes.length / 10));
  let aborted: Promise<unknown> | undefined;
  const roll = await ranas(['fleet', 'rollout', fx.oldBundle.tarFile, '--mqtt', broker.url, '--key', key, '--release', '3', '--waves', '50,100', '--id', 'cli-2', '--rate', rate, '--health-inferences', '1'], (err) => {
    if (!aborted && /wave 1\/2/.test(err)) aborted = ranas(['fleet', 'abort', 'cli-2', '--mqtt', broker.url, '--key', key, '--reason', 'testing the brakes']);
  });
  await aborted;
  assert.equal(roll.code, 1, 'an aborted rollout exits 1');
  assert.match(roll.stdout, /cli-2: .* — aborted \(aborted by the operator: testing the brakes\); 1 of 2 waves/);
  for (const d of sims.names) assert.equal(sims.activeOf(d), fx.newBundle.sha256, `${d} stays on (or is rolled back to) release 2`);
  const status = await ranas(['fleet', 'status', '--mqtt', broker.url, '--rollout', 'cli-2']);
  assert.match(status.stdout, /^rollout cli-2: aborted \(aborted by the operator: testing the brakes\); 4 rolled-back/);
});
