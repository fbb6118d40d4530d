/**
 * `ranas-agent`: the long-running device agent.
 *   ranas-agent --bundle-dir DIR [--serial PATH --baud N] [--listen HOST:PORT] [--key-file F] [--stdio]
 *               [--device-name N] [--threads N|auto] [--install BUNDLE] [--edgetpu] [--safety-factor X]
 *               [--warmups W] [--profile-runs N] [--reprofile] [--no-adaptive] [--gc-after-mib M]
 *               [--mqtt URL --trust-key PUB.pem [--mqtt-username U --mqtt-password-file F] [--mqtt-ca F]
 *                [--mqtt-cert F --mqtt-key F] [--mqtt-prefix P] [--heartbeat-s N]]
 * Loads (and profiles, unless this device's profile is saved) the active bundle of the store at DIR, then
 * serves: the firmware bridge protocol on a serial port and/or TCP (loopback unless HOST says otherwise),
 * and JSON lines on stdin/stdout (`--stdio`, the default when no serial port or TCP address is given).
 * Logs are JSON lines on stderr. Prints `ready tcp PORT` / `ready serial PATH` on stdout once serving
 * (on stderr with --stdio, where stdout carries answers). Exits on SIGTERM/SIGINT, or when stdin ends
 * (in --stdio mode, or when stdin is a pipe from a parent process).
 * With --mqtt the agent also joins a fleet through an MQTT broker (fleet/, docs/fleet.md): presence, info,
 * heartbeats and signed jobs (resumable download, atomic install, health check, rollback).
 */
import { writeJsonLine } from '../src/json-lines.ts';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { readKeyFile } from '../firmware-bridge/device-key.ts';
import { serveDevice } from '../firmware-bridge/server/serve-device.ts';
import { DEFAULT_BAUD, SerialTransport } from '../firmware-bridge/transport/serial-transport.ts';
import { listenTcp, parseHostPort } from '../firmware-bridge/transport/tcp-transport.ts';
import { RanasError, errorMessage, isRanasError } from '../src/errors.ts';
import { packageVersion } from '../src/run-folder.ts';
import type { PrecisionChoice } from './agent/segment-plan.ts';
import { createAgent, type Agent } from './agent.ts';
import { serveJsonLines } from './json-lines.ts';
import { sha256Hex } from '../src/bundle-format/sha256.ts';

/** Parsed options of `ranas-agent`. */
export interface AgentCliOptions {
  bundleDir: string;
  serial?: string;
  baud: number;
  listen?: string;
  keyFile?: string;
  stdio: boolean;
  deviceName?: string;
  threads: number | 'auto';
  precision: PrecisionChoice;
  install?: string;
  edgetpu: boolean;
  safetyFactor?: number;
  warmups?: number;
  profileRuns?: number;
  reprofile: boolean;
  /** Commander's name for --no-adaptive. */
  adaptive: boolean;
  gcAfterMib?: number;
  mqtt?: string;
  trustKey: string[];
  mqttUsername?: string;
  mqttPasswordFile?: string;
  mqttCa?: string;
  mqttCert?: string;
  mqttKey?: string;
  mqttPrefix?: string;
  heartbeatS?: number;
}

function positiveNumber(name: string, integer: boolean): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new RanasError('E_BAD_OPTION', `--${name} is '${v}'; expected a positive ${integer ? 'integer' : 'number'}`);
    return n;
  };
}

function nonNegativeNumber(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new RanasError('E_BAD_OPTION', `--${name} is '${v}'; expected a number ≥ 0`);
    return n;
  };
}

function threadsOption(v: string): number | 'auto' {
  return v === 'auto' ? 'auto' : positiveNumber('threads', true)(v);
}

const PRECISION_CHOICES: readonly PrecisionChoice[] = ['auto', 'int8', 'fp32'];

function precisionOption(v: string): PrecisionChoice {
  const p = PRECISION_CHOICES.find((c) => c === v);
  if (!p) throw new RanasError('E_BAD_OPTION', `--precision is '${v}'; expected ${PRECISION_CHOICES.join(', ')}`);
  return p;
}

function log(level: 'info' | 'warn', event: string, message: string): void {
  writeJsonLine(process.stderr, { level, event, message });
}

/** Parses argv (node, script, ...args) into options. */
export function parseAgentArgs(argv: string[]): AgentCliOptions {
  const program = new Command('ranas-agent')
    .description('device agent: budgeted anytime inference on an installed ranas bundle')
    .version(packageVersion())
    .requiredOption('--bundle-dir <dir>', 'bundle store folder (bundles/, current, previous)')
    .option('--serial <path>', 'serve the bridge protocol on this serial port (/dev/ttyGS0, /dev/ttyAMA0)')
    .option('--baud <n>', 'serial line rate', positiveNumber('baud', true), DEFAULT_BAUD)
    .option('--listen <host:port>', 'serve the bridge protocol on TCP (use 127.0.0.1 unless the network is trusted)')
    .option('--key-file <file>', 'link key for the flash MAC over the device nonce (HMAC-SHA256); without it flashing is refused. Bundles must also be signed by a key trusted in <bundle-dir>/trusted-keys (ranas device trust)')
    .option('--stdio', 'serve JSON lines on stdin/stdout (default when neither --serial nor --listen)', false)
    .option('--device-name <name>', 'name recorded with profiles (default: host name)')
    .option('--threads <n|auto>', 'runtime CPU threads; auto: the profile measures 1 thread and every core per segment and keeps the faster', threadsOption, 'auto')
    .option('--precision <auto|int8|fp32>', 'segments of bundles carrying int8 and fp32 forms: auto runs each in the faster measured form that meets the manifest\'s accuracy', precisionOption, 'auto')
    .option('--install <bundle>', 'install this bundle folder or tar at start')
    .option('--edgetpu', 'run int8 TFLite bundles on a Coral Edge TPU (needs libedgetpu.so.1)', false)
    .option('--safety-factor <x>', 'multiplier on the next segment p99 in the budget check (default 1.1)', positiveNumber('safety-factor', false))
    .option('--warmups <n>', 'profiler warm-up runs per segment (default 20)', positiveNumber('warmups', true))
    .option('--profile-runs <n>', 'profiler timed runs per segment (default 200)', positiveNumber('profile-runs', true))
    .option('--reprofile', 're-measure the active bundle at start', false)
    .option('--no-adaptive', "predict with the profile's p99 only (default: raised when recent runs are slower)")
    .option('--gc-after-mib <m>', 'collect garbage between requests once they allocated this many MiB, so V8 does not collect inside one (default 4; 0: V8 decides)', nonNegativeNumber('gc-after-mib'))
    .option('--mqtt <url>', 'join a fleet through this MQTT broker (mqtt://host:1883, mqtts://host:8883)')
    .option('--trust-key <pem>', 'public key (Ed25519 PEM) whose signed fleet jobs this device accepts (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--mqtt-username <user>', 'broker user name (password from --mqtt-password-file or RANAS_MQTT_PASSWORD)')
    .option('--mqtt-password-file <file>', 'file holding the broker password')
    .option('--mqtt-ca <pem>', 'CA certificate(s) to verify an mqtts:// broker')
    .option('--mqtt-cert <pem>', 'client certificate for mutual TLS')
    .option('--mqtt-key <pem>', 'client key for mutual TLS')
    .option('--mqtt-prefix <prefix>', 'topic prefix of the fleet (default ranas)')
    .option('--heartbeat-s <n>', 'fleet heartbeat period, seconds (default 10)', positiveNumber('heartbeat-s', false))
    .exitOverride();
  program.parse(argv);
  const o = program.opts<AgentCliOptions>();
  if (o.listen) parseHostPort(o.listen);
  return { ...o, stdio: o.stdio || (!o.serial && !o.listen && !o.mqtt) };
}

/** Serves a serial port, reopening it after the link drops (the USB gadget port comes and goes with the host). */
async function serveSerial(agent: Agent, o: AgentCliOptions, opts: Parameters<typeof serveDevice>[2], stopping: () => boolean): Promise<void> {
  const port = o.serial ?? '';
  let announced = false;
  while (!stopping()) {
    try {
      const transport = await SerialTransport.open(port, o.baud);
      const server = serveDevice(transport, agent, opts);
      if (!announced) {
        (o.stdio ? process.stderr : process.stdout).write(`ready serial ${port}\n`);
        announced = true;
      }
      await server.closed;
    } catch (e) {
      log('warn', 'serial', errorMessage(e));
    }
    await new Promise((r) => setTimeout(r, 1000).unref());
  }
}

/** What the agent hands to the fleet module when started with --mqtt (fleet/agent-fleet.ts implements it). */
export interface FleetJoinRequest {
  agent: Agent;
  bundleDir: string;
  trustKeyFiles: string[];
  prefix?: string;
  heartbeatMs?: number;
  broker: { url: string; username?: string; passwordFile?: string; caFile?: string; certFile?: string; keyFile?: string };
  log: (line: string) => void;
}

/**
 * Optional parts the entry point plugs in. The fleet (MQTT) ranks above the device agent in the layer order
 * (src/README.md), so the agent does not import it: bin/ranas-agent.mjs passes `joinFleet`, loading the
 * fleet module (and the MQTT client) only when --mqtt is given.
 */
export interface AgentCliHooks {
  joinFleet?: (request: FleetJoinRequest) => Promise<{ close(): Promise<void> }>;
}

export async function main(argv: string[], hooks: AgentCliHooks = {}): Promise<void> {
  let o: AgentCliOptions;
  try {
    o = parseAgentArgs(argv);
  } catch (e) {
    if (e instanceof Error && 'exitCode' in e && typeof e.exitCode === 'number') process.exit(e.exitCode);
    process.stderr.write(`ranas-agent: error${isRanasError(e) ? ` [${e.code}]` : ''}: ${errorMessage(e)}\n`);
    process.exit(2);
  }
  let agent: Agent;
  let keyBytes: Buffer | null;
  try {
    keyBytes = o.keyFile ? readKeyFile(o.keyFile) : null;
    agent = await createAgent({
      bundleDir: o.bundleDir,
      deviceName: o.deviceName,
      threads: o.threads,
      precision: o.precision,
      edgetpu: o.edgetpu,
      safetyFactor: o.safetyFactor,
      profile: { warmups: o.warmups, runs: o.profileRuns },
      reprofile: o.reprofile,
      adaptive: o.adaptive,
      gcAfterMiB: o.gcAfterMib,
      log: (line) => log('info', 'agent', line),
    });
    if (o.install) {
      // A tar's sha256 is the bundle's identity on the wire (flash and fleet jobs name it): record it.
      const isTar = fs.statSync(o.install, { throwIfNoEntry: false })?.isFile() ?? false;
      await agent.install(o.install, isTar ? sha256Hex(fs.readFileSync(o.install)) : undefined);
    }
  } catch (e) {
    process.stderr.write(`ranas-agent: error${isRanasError(e) ? ` [${e.code}]` : ''}: ${errorMessage(e)}\n`);
    process.exit(1);
  }
  let stopping = false;
  let closeFleet: (() => Promise<void>) | undefined;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await closeFleet?.().catch(() => undefined);
    await agent.close().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  const bridgeOpts = {
    keyBytes,
    stagingDir: path.join(o.bundleDir, 'staging'),
    log: (e: { level: 'info' | 'warn'; event: string; message: string }) => log(e.level, e.event, e.message),
  };
  if (o.listen) {
    const { host, port } = parseHostPort(o.listen);
    const listener = await listenTcp((t) => { serveDevice(t, agent, bridgeOpts); }, { host, port });
    (o.stdio ? process.stderr : process.stdout).write(`ready tcp ${listener.port}\n`);
  }
  if (o.serial) void serveSerial(agent, o, bridgeOpts, () => stopping);
  if (o.mqtt) {
    try {
      if (!hooks.joinFleet) throw new RanasError('E_BAD_OPTION', '--mqtt: this build of the agent has no fleet module; expected bin/ranas-agent.mjs with fleet/');
      const session = await hooks.joinFleet({
        agent, bundleDir: o.bundleDir, trustKeyFiles: o.trustKey, prefix: o.mqttPrefix, heartbeatMs: o.heartbeatS === undefined ? undefined : o.heartbeatS * 1000,
        broker: { url: o.mqtt, username: o.mqttUsername, passwordFile: o.mqttPasswordFile, caFile: o.mqttCa, certFile: o.mqttCert, keyFile: o.mqttKey },
        log: (line) => log('info', 'fleet', line),
      });
      closeFleet = () => session.close();
      (o.stdio ? process.stderr : process.stdout).write(`ready mqtt ${o.mqtt}\n`);
    } catch (e) {
      process.stderr.write(`ranas-agent: ${errorMessage(e)}\n`);
      await stop(1);
      return;
    }
  }
  if (o.stdio) {
    await serveJsonLines(agent, process.stdin, process.stdout);
    await stop(0);
  } else if (fs.fstatSync(0).isFIFO()) {
    // Started by another process through a pipe (tests, supervisors): end with it. Under systemd stdin
    // is /dev/null, not a pipe, and the agent runs until stopped.
    process.stdin.resume();
    process.stdin.once('end', () => void stop(0));
  }
}
