/**
 * Shared set-up of the fleet tests and the fleet benchmark: two real int8 TFLite bundles (the tiny fixture
 * exported through the whole pipeline; the second is the first under another model name, so it is another
 * bundle with another sha256) packed as tars, a signing key pair, and real `ranas-agent --mqtt` processes
 * (JSON lines on stdin/stdout for inference, so the test asks each one for an answer on the bundle it runs).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundleTar } from '../../firmware-bridge/client/bundle-tar.ts';
import { makeTinyBundles, TINY_SIZE } from '../../device/testing/tiny-bundles.ts';
import { RanasError } from '../../src/errors.ts';
import { readSigningKey, readTrustedKeys, writeSigningKeyFiles, type SigningKey, type TrustedKeys } from '../job-signing.ts';

const AGENT_BIN = fileURLToPath(new URL('../../bin/ranas-agent.mjs', import.meta.url));

export interface FixtureBundle {
  name: string;
  tarFile: string;
  bytes: Buffer;
  sha256: string;
}

export interface FleetFixture {
  dir: string;
  oldBundle: FixtureBundle;
  newBundle: FixtureBundle;
  keyFile: string;
  publicKeyFile: string;
  key: SigningKey;
  trusted: TrustedKeys;
}

async function tarOf(folder: string, file: string, name: string): Promise<FixtureBundle> {
  const t = await loadBundleTar(folder);
  fs.writeFileSync(file, t.bytes);
  return { name, tarFile: file, bytes: t.bytes, sha256: t.sha256 };
}

export async function makeFleetFixture(dir: string): Promise<FleetFixture> {
  await makeTinyBundles(path.join(dir, 'export'), ['tflite']);
  const oldDir = path.join(dir, 'export', 'tflite-int8');
  const newDir = path.join(dir, 'bundle-new');
  fs.cpSync(oldDir, newDir, { recursive: true });
  const manifestFile = path.join(newDir, 'manifest.json');
  const manifest: { model: { name: string } } = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.model.name = `${manifest.model.name}-v2`;
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  const oldBundle = await tarOf(oldDir, path.join(dir, 'old.tar'), JSON.parse(fs.readFileSync(path.join(oldDir, 'manifest.json'), 'utf8')).model.name);
  const newBundle = await tarOf(newDir, path.join(dir, 'new.tar'), manifest.model.name);
  const keys = writeSigningKeyFiles(path.join(dir, 'fleet-key'));
  return { dir, oldBundle, newBundle, keyFile: keys.privateFile, publicKeyFile: keys.publicFile, key: readSigningKey(keys.privateFile), trusted: readTrustedKeys([keys.publicFile]) };
}

export interface InferAnswer {
  ok: boolean;
  result?: { exitIndex: number; classIndex: number; label: string };
  error?: { code: string; message: string };
}

export interface AgentProcess {
  name: string;
  storeDir: string;
  proc: ChildProcessWithoutNullStreams;
  /** stderr so far (JSON log lines). */
  log(): string;
  /** One JSON-lines request (info, stats, infer) answered by the agent. */
  request(line: object): Promise<InferAnswer & { result?: Record<string, unknown> }>;
  /** Sends a signal and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface AgentLaunch {
  name: string;
  storeDir: string;
  brokerUrl: string;
  publicKeyFile: string;
  /** Bundle tar installed at start (first launch only). */
  install?: string;
  heartbeatS?: number;
}

/** Starts a real agent and waits until it has joined the broker (`ready mqtt`). */
export async function startAgentProcess(l: AgentLaunch, readyTimeoutMs = 60_000): Promise<AgentProcess> {
  const args = [AGENT_BIN, '--bundle-dir', l.storeDir, '--device-name', l.name, '--stdio', '--warmups', '2', '--profile-runs', '10',
    '--mqtt', l.brokerUrl, '--trust-key', l.publicKeyFile, '--heartbeat-s', String(l.heartbeatS ?? 1), ...(l.install ? ['--install', l.install] : [])];
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, RANAS_QUIET: '1' } });
  let err = '';
  let out = '';
  const waiting: ((line: string) => void)[] = [];
  proc.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  proc.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RanasError('E_TEST', `agent ${l.name} not on the broker within ${readyTimeoutMs} ms; stderr: ${err.slice(-2000)}`)), readyTimeoutMs);
    const check = () => {
      if (err.includes(`ready mqtt ${l.brokerUrl}`)) { clearTimeout(timer); proc.stderr.off('data', check); resolve(); }
    };
    proc.stderr.on('data', check);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new RanasError('E_TEST', `agent ${l.name} exited (${code}) before joining; stderr: ${err.slice(-2000)}`)); });
  });
  let nextId = 1;
  return {
    name: l.name,
    storeDir: l.storeDir,
    proc,
    log: () => err,
    request: (line) => new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.push((text) => {
        try {
          resolve(JSON.parse(text));
        } catch (e) {
          reject(e);
        }
      });
      proc.stdin.write(JSON.stringify({ id, ...line }) + '\n');
    }),
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    },
  };
}

/** A raw uint8 image of the tiny bundle's size, as a JSON-lines infer request. */
export function inferLine(seed = 1): object {
  return { input: Array.from({ length: TINY_SIZE * TINY_SIZE * 3 }, (_, i) => (i * 13 + seed) & 255), shape: [TINY_SIZE, TINY_SIZE, 3], budgetUs: 1e9, policy: 'deadline' };
}
