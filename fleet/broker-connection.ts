/**
 * Connecting to the broker. `mqtt://host:1883` plain (loopback and tests), `mqtts://host:8883` TLS, with a
 * CA file for a private CA, username/password (password from a file or RANAS_MQTT_PASSWORD, never on the
 * command line where `ps` shows it) and/or a client certificate + key (mutual TLS). The client reconnects
 * by itself (every second) and queues QoS-1 publishes while the broker is away.
 */
import fs from 'node:fs';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { RanasError } from '../src/errors.ts';

export interface BrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL. */
  url: string;
  username?: string;
  /** File holding the password (first line); RANAS_MQTT_PASSWORD otherwise. */
  passwordFile?: string;
  /** PEM CA bundle to verify the broker (default: the system CAs). */
  caFile?: string;
  /** Client certificate and key (PEM) for mutual TLS. */
  certFile?: string;
  keyFile?: string;
  /** MQTT client id (default: generated). */
  clientId?: string;
  /** Keep-alive interval, s (default 30: the broker declares a silent device gone after 1.5x). */
  keepaliveS?: number;
}

const SCHEMES = /^(mqtt|mqtts|ws|wss):\/\//;

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new RanasError('E_FLEET_TLS', `cannot read the ${what} '${file}' (${e instanceof Error ? e.message : String(e)})`, { file });
  }
}

/** The mqtt client options for broker options (validated). */
export function clientOptions(o: BrokerOptions, extra: Partial<IClientOptions> = {}): IClientOptions {
  if (!SCHEMES.test(o.url)) throw new RanasError('E_FLEET_BROKER_URL', `broker URL '${o.url}' has no known scheme; expected mqtt://, mqtts://, ws:// or wss://`);
  if ((o.certFile === undefined) !== (o.keyFile === undefined)) throw new RanasError('E_FLEET_TLS', 'a client certificate needs both --mqtt-cert and --mqtt-key');
  const password = o.passwordFile ? fs.readFileSync(o.passwordFile, 'utf8').split('\n')[0] : process.env.RANAS_MQTT_PASSWORD;
  return {
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: o.keepaliveS ?? 30,
    ...(o.clientId ? { clientId: o.clientId } : {}),
    ...(o.username ? { username: o.username } : {}),
    ...(password !== undefined && o.username ? { password } : {}),
    ...(o.caFile ? { ca: readPem(o.caFile, 'CA file') } : {}),
    ...(o.certFile && o.keyFile ? { cert: readPem(o.certFile, 'client certificate'), key: readPem(o.keyFile, 'client key') } : {}),
    ...extra,
  };
}

/** Starts a client (it connects, and reconnects, in the background). */
export function connectBroker(o: BrokerOptions, extra: Partial<IClientOptions> = {}): MqttClient {
  return connect(o.url, clientOptions(o, extra));
}

/** Waits for the first connection (E_FLEET_BROKER after `timeoutMs`). */
export function whenConnected(client: MqttClient, url: string, timeoutMs = 10_000): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError = '';
    const onError = (e: Error) => { lastError = e.message; };
    const timer = setTimeout(() => {
      client.off('connect', onConnect);
      client.off('error', onError);
      reject(new RanasError('E_FLEET_BROKER', `no connection to the broker at ${url} within ${timeoutMs} ms${lastError ? ` (${lastError})` : ''}`, { url }));
    }, timeoutMs);
    const onConnect = () => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve();
    };
    client.once('connect', onConnect);
    client.on('error', onError);
  });
}
