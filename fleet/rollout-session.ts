/**
 * `ranas fleet rollout` as a function: connects to the broker, reads the fleet's retained state, picks the
 * targets (given devices, or every online device), serves the bundle tar over HTTP, runs the staged
 * rollout (rollout.ts) and closes everything. The CLI, the tests and the benchmark call this.
 */
import { loadBundleTar } from '../firmware-bridge/client/bundle-tar.ts';
import { parseManifestBytes } from '../src/bundle-format/parse-manifest.ts';
import { RanasError } from '../src/errors.ts';
import { connectBroker, whenConnected, type BrokerOptions } from './broker-connection.ts';
import { startBundleServer } from './bundle-server.ts';
import { openFleetView } from './fleet-view.ts';
import type { SigningKey } from './job-signing.ts';
import type { HealthCheck } from './messages.ts';
import { runRollout, type RolloutReport } from './rollout.ts';
import { checkTopicName, DEFAULT_TOPIC_PREFIX } from './topics.ts';
import { DEFAULT_WAVE_PERCENTS } from './waves.ts';

export interface RolloutSessionOptions {
  broker: BrokerOptions;
  prefix?: string;
  key: SigningKey;
  /** Bundle folder or tar. */
  bundle: string;
  /** Release version (monotonic across the fleet's rollouts). */
  version: number;
  rolloutId?: string;
  /** Target devices (default: every device whose presence is online). */
  devices?: string[];
  wavePercents?: readonly number[];
  maxFailureFraction?: number;
  waveTimeoutMs?: number;
  rollbackTimeoutMs?: number;
  health?: Partial<HealthCheck>;
  /** HTTP server: bind address (default 127.0.0.1), port (default any), host devices use in URLs. */
  httpHost?: string;
  httpPort?: number;
  publicHost?: string;
  /** Payload bytes/s per download (default unlimited). */
  bytesPerSecond?: number;
  seed?: number;
  log?: (line: string) => void;
}

export async function rolloutSession(o: RolloutSessionOptions): Promise<RolloutReport & { httpBytesSent: number; rangeRequests: number }> {
  const prefix = o.prefix ?? DEFAULT_TOPIC_PREFIX;
  const tar = await loadBundleTar(o.bundle);
  if (!tar.manifestJson) throw new RanasError('E_BAD_BUNDLE', `bundle '${o.bundle}' has no manifest.json`);
  const manifest = parseManifestBytes(Buffer.from(tar.manifestJson), `bundle '${o.bundle}'`);
  const rolloutId = checkTopicName(o.rolloutId ?? `r${Date.now().toString(36)}`, 'rollout id');
  const client = connectBroker(o.broker, { clientId: `ranas-rollout-${rolloutId}` });
  const server = await startBundleServer({ host: o.httpHost, port: o.httpPort, publicHost: o.publicHost, bytesPerSecond: o.bytesPerSecond });
  try {
    await whenConnected(client, o.broker.url);
    const view = await openFleetView(client, prefix);
    await view.settled();
    const devices = o.devices ?? view.devices().filter((d) => d.presence?.online).map((d) => d.device);
    if (devices.length === 0) throw new RanasError('E_FLEET_NO_DEVICES', `no devices to roll out to: none online under '${prefix}/devices/' at ${o.broker.url}`);
    server.add(tar.sha256, tar.bytes);
    const report = await runRollout({
      client, view, prefix, key: o.key, rolloutId,
      bundle: { name: manifest.model.name, sha256: tar.sha256, sizeBytes: tar.bytes.length, version: o.version },
      url: server.urlOf(tar.sha256), devices,
      wavePercents: o.wavePercents ?? DEFAULT_WAVE_PERCENTS, seed: o.seed,
      maxFailureFraction: o.maxFailureFraction, waveTimeoutMs: o.waveTimeoutMs, rollbackTimeoutMs: o.rollbackTimeoutMs,
      health: { inferences: o.health?.inferences ?? 5, ...(o.health?.maxP99Us !== undefined ? { maxP99Us: o.health.maxP99Us } : {}) },
      log: o.log,
    });
    await view.close();
    return { ...report, httpBytesSent: server.counters.bytesSent, rangeRequests: server.counters.rangeRequests };
  } finally {
    await server.close();
    await client.endAsync();
  }
}
