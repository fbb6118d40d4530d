/**
 * `ranas fleet …` — many devices through an MQTT broker (fleet/, docs/fleet.md):
 *  - `keygen --out BASE`: an Ed25519 key pair for signing jobs (BASE.key private, BASE.pub for devices; the same
 *    files as `ranas keys generate` of the flash path).
 *  - `list`: every device the broker knows (retained presence and info).
 *  - `rollout <bundle> --key FILE --release N [--waves 1,10,50,100] [--max-failures 10] …`: serves the bundle
 *    over HTTP, sends signed jobs wave by wave, aborts and rolls back the wave past the failure threshold;
 *    prints one row per wave; exits 1 when the rollout aborted.
 *  - `status [--rollout ID]`: per-device job state (and the rollout's retained state).
 *  - `abort <rollout> --key FILE [--reason TEXT]`: asks a running rollout to stop and roll back its wave.
 *  - `profile`: every device's per-exit p50/p99 in one table, with fleet median and worst rows.
 *  - `simulate --count N --trust-key PUB --initial-bundle TAR [--fail-percent P]`: N simulated devices in this
 *    process speaking the real protocol (scale tests, demos without hardware); runs until stdin ends,
 *    SIGINT/SIGTERM or --duration-s.
 * Broker options on every sub-command: --mqtt URL [--mqtt-username U] [--mqtt-password-file F] [--mqtt-ca F]
 * [--mqtt-cert F --mqtt-key F] [--prefix P]; `--json` prints rows as JSON.
 */
import type { Command } from 'commander';
import { RanasError } from '../../errors.ts';
import { printTable, type Row } from '../../text-table.ts';
import type { MqttClient } from 'mqtt';
import type { BrokerOptions } from '../../../fleet/broker-connection.ts';
import type { FleetView } from '../../../fleet/fleet-view.ts';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../rng.ts';
import { DEFAULT_TOPIC_PREFIX, checkTopicName, rolloutTopic } from '../../../fleet/topics.ts';
import { DEFAULT_WAVE_PERCENTS, parseWavePercents } from '../../../fleet/waves.ts';

interface RawBrokerOptions {
  mqtt?: string;
  mqttUsername?: string;
  mqttPasswordFile?: string;
  mqttCa?: string;
  mqttCert?: string;
  mqttKey?: string;
  prefix: string;
  json?: boolean;
}

/** Options every fleet sub-command shares, parsed once. */
interface FleetCliOptions {
  broker: BrokerOptions;
  prefix: string;
  json: boolean;
}

function parseFleetOptions(raw: RawBrokerOptions): FleetCliOptions {
  if (!raw.mqtt) throw new RanasError('E_CLI_ARG', '--mqtt URL is required (e.g. mqtt://127.0.0.1:1883)');
  return {
    broker: { url: raw.mqtt, username: raw.mqttUsername, passwordFile: raw.mqttPasswordFile, caFile: raw.mqttCa, certFile: raw.mqttCert, keyFile: raw.mqttKey },
    prefix: raw.prefix,
    json: raw.json === true,
  };
}

function brokerOptions(cmd: Command): Command {
  return cmd
    .option('--mqtt <url>', 'broker URL (mqtt://host:1883, mqtts://host:8883)')
    .option('--mqtt-username <user>', 'broker user (password from --mqtt-password-file or RANAS_MQTT_PASSWORD)')
    .option('--mqtt-password-file <file>', 'file holding the broker password')
    .option('--mqtt-ca <pem>', 'CA certificate(s) for an mqtts:// broker')
    .option('--mqtt-cert <pem>', 'client certificate (mutual TLS)')
    .option('--mqtt-key <pem>', 'client key (mutual TLS)')
    .option('--prefix <prefix>', 'topic prefix of the fleet', DEFAULT_TOPIC_PREFIX)
    .option('--json', 'print JSON instead of a table', false);
}

function num(flag: string, v: string, min: number, integer = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new RanasError('E_CLI_ARG', `${flag} is "${v}"; expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  return n;
}

// The broker client (mqtt), bundle tars, signing and rollout modules load inside each action, not when the
// commands register.

async function withView<T>(o: FleetCliOptions, work: (view: FleetView, client: MqttClient) => Promise<T>): Promise<T> {
  const { connectBroker, whenConnected } = await import('../../../fleet/broker-connection.ts');
  const { openFleetView } = await import('../../../fleet/fleet-view.ts');
  const client = connectBroker(o.broker);
  try {
    await whenConnected(client, o.broker.url);
    const view = await openFleetView(client, o.prefix);
    await view.settled();
    return await work(view, client);
  } finally {
    await client.endAsync();
  }
}

function rows(r: Record<string, string | number | boolean | null>[]): Row[] {
  return r;
}

interface RawRollout extends RawBrokerOptions {
  key: string;
  release: string;
  waves: string;
  maxFailures: string;
  waveTimeoutS: string;
  rollbackTimeoutS: string;
  devices?: string;
  id?: string;
  httpHost: string;
  httpPort: string;
  publicHost?: string;
  rate?: string;
  healthInferences: string;
  maxP99Us?: string;
}

export function registerFleet(program: Command): void {
  const fleet = program.command('fleet').description('many devices through an MQTT broker: presence, staged rollouts, fleet profiles');

  fleet.command('keygen').description('create an Ed25519 job-signing key pair (BASE.key private, BASE.pub for ranas-agent --trust-key)')
    .requiredOption('--out <base>', 'writes BASE.key (private, 0600) and BASE.pub')
    .action(async (raw: { out: string }) => {
      const { writeSigningKeyFiles } = await import('../../../fleet/job-signing.ts');
      const k = writeSigningKeyFiles(raw.out);
      printTable([{ file: k.privateFile, holds: 'private key (keep on the operator host, mode 0600)' }, { file: k.publicFile, holds: `public key, id ${k.keyId} (give to devices)` }]);
    });

  brokerOptions(fleet.command('list').description('devices the broker knows: presence, bundle, runtimes'))
    .action(async (raw: RawBrokerOptions) => {
      const o = parseFleetOptions(raw);
      const { listRows } = await import('../../../fleet/fleet-tables.ts');
      await withView(o, async (view) => {
        const r = listRows(view.devices());
        printTable(rows(r), { json: o.json, title: o.json ? undefined : `${r.length} devices, ${r.filter((x) => x.online === true).length} online` });
      });
    });

  brokerOptions(fleet.command('rollout').description('staged rollout of a bundle to the fleet').argument('<bundle>', 'bundle folder or tar'))
    .requiredOption('--key <file>', 'job-signing private key (ranas fleet keygen)')
    .requiredOption('--release <n>', 'release version of this bundle (devices refuse versions at or below theirs)')
    .option('--waves <list>', 'cumulative wave sizes, percent of the targets', DEFAULT_WAVE_PERCENTS.join(','))
    .option('--max-failures <percent>', 'abort when failures in a wave pass this percent of it', '10')
    .option('--wave-timeout-s <s>', 'longest wait for a wave; unfinished devices count as failed', '600')
    .option('--rollback-timeout-s <s>', 'longest wait for rollback confirmations after an abort', '120')
    .option('--devices <names>', 'comma-separated targets (default: every online device)')
    .option('--id <id>', 'rollout id (default: generated)')
    .option('--http-host <addr>', 'address the bundle server binds', '127.0.0.1')
    .option('--http-port <n>', 'bundle server port (0 = a free port)', '0')
    .option('--public-host <host>', 'host name devices use to reach the bundle server (default: --http-host)')
    .option('--rate <bytes/s>', 'per-download rate limit')
    .option('--health-inferences <n>', 'test inferences in each device health check', '5')
    .option('--max-p99-us <us>', 'health check fails when any segment p99 exceeds this')
    .action(async (bundle: string, raw: RawRollout) => {
      const o = parseFleetOptions(raw);
      const { readSigningKey } = await import('../../../fleet/job-signing.ts');
      const { rolloutSession } = await import('../../../fleet/rollout-session.ts');
      const report = await rolloutSession({
        broker: o.broker, prefix: o.prefix, key: readSigningKey(raw.key), bundle,
        version: num('--release', raw.release, 1, true),
        rolloutId: raw.id, devices: raw.devices?.split(',').map((d) => checkTopicName(d.trim(), 'device')),
        wavePercents: parseWavePercents(raw.waves),
        maxFailureFraction: num('--max-failures', raw.maxFailures, 0) / 100,
        waveTimeoutMs: num('--wave-timeout-s', raw.waveTimeoutS, 1) * 1000,
        rollbackTimeoutMs: num('--rollback-timeout-s', raw.rollbackTimeoutS, 1) * 1000,
        httpHost: raw.httpHost, httpPort: num('--http-port', raw.httpPort, 0, true), publicHost: raw.publicHost,
        bytesPerSecond: raw.rate === undefined ? undefined : num('--rate', raw.rate, 1),
        health: { inferences: num('--health-inferences', raw.healthInferences, 0, true), ...(raw.maxP99Us !== undefined ? { maxP99Us: num('--max-p99-us', raw.maxP99Us, 1) } : {}) },
        log: o.json ? undefined : (line) => process.stderr.write(`${line}\n`),
      });
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        printTable(report.waves.map((w) => ({ wave: w.index + 1, percent: w.percent, devices: w.devices, succeeded: w.succeeded, failed: w.failed, unfinished: w.unfinished, 'rolled back': w.rolledBack ?? null, outcome: w.outcome, 's': w.ms / 1000 })),
          { title: `rollout ${report.rolloutId}: ${report.bundle.name} v${report.bundle.version} — ${report.state}${report.reason ? ` (${report.reason})` : ''}; ${report.waves.length} of ${report.plannedWaves} waves` });
        if (report.failures.length > 0) printTable(report.failures.slice(0, 50).map((f) => ({ device: f.device, error: f.error })), { title: 'failures' });
      }
      if (report.state !== 'completed') process.exitCode = 1;
    });

  brokerOptions(fleet.command('status').description('per-device job state'))
    .option('--rollout <id>', 'only devices whose latest job belongs to this rollout (and the rollout state)')
    .action(async (raw: RawBrokerOptions & { rollout?: string }) => {
      const o = parseFleetOptions(raw);
      const { parseObject } = await import('../../../fleet/read-fields.ts');
      const { stateCounts, statusRows } = await import('../../../fleet/fleet-tables.ts');
      await withView(o, async (view, client) => {
        let rolloutLine = '';
        if (raw.rollout) {
          const topic = rolloutTopic(o.prefix, checkTopicName(raw.rollout, 'rollout id'), 'state');
          const state = await new Promise<string | undefined>((resolve) => {
            const timer = setTimeout(() => resolve(undefined), 1000);
            client.on('message', (t, p) => { if (t === topic) { clearTimeout(timer); resolve(p.toString()); } });
            void client.subscribeAsync(topic, { qos: 1 });
          });
          if (state) {
            const s = parseObject(state, 'rollout state');
            rolloutLine = `rollout ${raw.rollout}: ${String(s.state)}${typeof s.reason === 'string' ? ` (${s.reason})` : ''}; `;
          }
        }
        const counts = stateCounts(view.devices(), raw.rollout);
        printTable(rows(statusRows(view.devices(), raw.rollout)), { json: o.json, title: `${rolloutLine}${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}` });
      });
    });

  brokerOptions(fleet.command('abort').description('stop a running rollout and roll back its current wave').argument('<rollout>', 'rollout id'))
    .requiredOption('--key <file>', 'the job-signing private key the rollout uses')
    .option('--reason <text>', 'why (recorded in the rollout state)', 'operator request')
    .action(async (rollout: string, raw: RawBrokerOptions & { key: string; reason: string }) => {
      const o = parseFleetOptions(raw);
      const { connectBroker, whenConnected } = await import('../../../fleet/broker-connection.ts');
      const { readSigningKey } = await import('../../../fleet/job-signing.ts');
      const { requestAbort } = await import('../../../fleet/rollout.ts');
      const client = connectBroker(o.broker);
      try {
        await whenConnected(client, o.broker.url);
        await requestAbort(client, o.prefix, checkTopicName(rollout, 'rollout id'), readSigningKey(raw.key), raw.reason);
        process.stdout.write(`abort requested for rollout ${rollout}; ranas fleet status --rollout ${rollout} shows the outcome\n`);
      } finally {
        await client.endAsync();
      }
    });

  brokerOptions(fleet.command('profile').description("every device's per-exit latency (p50/p99) in one table"))
    .action(async (raw: RawBrokerOptions) => {
      const o = parseFleetOptions(raw);
      const { profileRows } = await import('../../../fleet/fleet-tables.ts');
      await withView(o, async (view) => {
        printTable(rows(profileRows(view.devices())), { json: o.json, title: 'time to answer at each exit, µs (segments 0..k summed; p99 = sum of segment p99s)' });
      });
    });

  brokerOptions(fleet.command('simulate').description('run N simulated devices speaking the fleet protocol (scale tests, demos)'))
    .requiredOption('--count <n>', 'simulated devices')
    .requiredOption('--trust-key <pem>', 'public key whose jobs the devices accept')
    .requiredOption('--initial-bundle <bundle>', 'bundle folder or tar every device starts on')
    .option('--name-prefix <p>', 'device names <p>-0000, <p>-0001, …', 'sim')
    .option('--fail-percent <p>', 'percent of devices (seeded choice) that fail every health check', '0')
    .option('--seed <n>', 'seed of that choice', '1')
    .option('--heartbeat-s <s>', 'heartbeat period', '10')
    .option('--duration-s <s>', 'stop after this long (default: until stdin ends or a signal)')
    .action(async (raw: RawBrokerOptions & { count: string; trustKey: string; initialBundle: string; namePrefix: string; failPercent: string; seed: string; heartbeatS: string; durationS?: string }) => {
      const o = parseFleetOptions(raw);
      const count = num('--count', raw.count, 1, true);
      const failPercent = num('--fail-percent', raw.failPercent, 0);
      const seed = num('--seed', raw.seed, 0, true);
      const draws = Array.from({ length: count }, mulberry32(seed));
      const { loadBundleTar } = await import('../../../firmware-bridge/client/bundle-tar.ts');
      const { readTrustedKeys } = await import('../../../fleet/job-signing.ts');
      const { startSimulatedFleet } = await import('../../../fleet/simulated-fleet.ts');
      const initial = await loadBundleTar(raw.initialBundle);
      const name = JSON.parse(initial.manifestJson || '{"model":{"name":"?"}}').model?.name ?? '?';
      const started = Date.now();
      const sims = await startSimulatedFleet({
        broker: o.broker, prefix: o.prefix, trusted: readTrustedKeys([raw.trustKey]), count, namePrefix: checkTopicName(raw.namePrefix, 'name prefix'),
        initial: { name: String(name), sha256: initial.sha256 }, failsHealthCheck: (i) => draws[i] < failPercent / 100,
        stagingDir: path.join(os.tmpdir(), `ranas-simulate-${process.pid}`), heartbeatMs: num('--heartbeat-s', raw.heartbeatS, 0.1) * 1000,
      });
      process.stdout.write(`ready simulate ${count} devices in ${((Date.now() - started) / 1000).toFixed(1)} s (${draws.filter((d) => d < failPercent / 100).length} fail their health check)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
        process.stdin.once('end', () => resolve());
        process.stdin.resume();
        if (raw.durationS !== undefined) setTimeout(resolve, num('--duration-s', raw.durationS, 0) * 1000);
      });
      await sims.close();
      process.exit(0);
    });
}
