/**
 * A device's session with the broker (the same for the real agent and a simulated device):
 *  - last will: retained presence {online:false}; on every (re)connect: retained presence {online:true},
 *    retained info, its latest job status again (a restarted broker may have lost retained messages), then
 *    a subscription to its job topic (QoS 1);
 *  - heartbeats with the device's stats every `heartbeatMs`;
 *  - each job message goes through job-guard.ts: refused ones are counted by reason, logged and otherwise
 *    ignored (nothing on the device changes); an accepted job supersedes a running one (a rollout's
 *    rollback), the same job again resumes it or re-reports its final status.
 */
import type { MqttClient } from 'mqtt';
import { errorMessage } from '../src/errors.ts';
import { connectBroker, type BrokerOptions } from './broker-connection.ts';
import type { FleetDevice } from './fleet-device.ts';
import { acceptedState, decideJob, REFUSALS, type DeviceFleetState, type Refusal } from './job-guard.ts';
import type { TrustedKeys } from './job-signing.ts';
import { runJob } from './job-runner.ts';
import { FINAL_JOB_STATES, type DeviceInfo, type FleetJob, type JobStatus, type Presence } from './messages.ts';
import { DEFAULT_TOPIC_PREFIX, deviceTopic } from './topics.ts';

export interface DeviceSessionOptions {
  broker: BrokerOptions;
  trusted: TrustedKeys;
  prefix?: string;
  /** Heartbeat period, ms (default 10 s). */
  heartbeatMs?: number;
  log?: (line: string) => void;
}

export interface DeviceSession {
  readonly client: MqttClient;
  /** Refused jobs by reason since start. */
  readonly refusals: Record<Refusal, number>;
  /** Resolves when no job is running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}


export async function startDeviceSession(device: FleetDevice, o: DeviceSessionOptions): Promise<DeviceSession> {
  const prefix = o.prefix ?? DEFAULT_TOPIC_PREFIX;
  const log = o.log ?? (() => {});
  const topic = (t: Parameters<typeof deviceTopic>[2]) => deviceTopic(prefix, device.name, t);
  let state: DeviceFleetState = await device.loadState();
  const refusals: Record<Refusal, number> = { malformed: 0, 'unknown-key': 0, 'bad-signature': 0, 'wrong-device': 0, replayed: 0, 'stale-seq': 0, 'older-version': 0 };
  let running: { jobId: string; controller: AbortController; done: Promise<void> } | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const offline: Presence = { online: false, at: new Date().toISOString() };
  const client = connectBroker(o.broker, {
    clientId: o.broker.clientId ?? `ranas-device-${device.name}`,
    will: { topic: topic('presence'), payload: Buffer.from(JSON.stringify(offline)), qos: 1, retain: true },
  });

  async function info(): Promise<DeviceInfo> {
    const active = await device.active();
    const profile = await device.profile();
    const version = active && state.release?.sha256 === active.sha256 ? state.release.version : active && state.previous?.sha256 === active.sha256 ? state.previous.version : 0;
    return {
      device: device.name, agentVersion: device.agentVersion(), runtimes: device.runtimes(), simulated: device.simulated,
      ...(active ? { bundle: { name: active.name, sha256: active.sha256, version } } : {}),
      ...(profile ? { profile } : {}),
    };
  }

  function publish(t: Parameters<typeof deviceTopic>[2], body: object, retain: boolean): Promise<void> {
    if (closed) return Promise.resolve();
    return client.publishAsync(topic(t), JSON.stringify(body), { qos: 1, retain }).then(() => undefined, (e: unknown) => log(`publish ${t}: ${errorMessage(e)}`));
  }

  async function announce(): Promise<void> {
    await publish('presence', { online: true, at: new Date().toISOString() } satisfies Presence, true);
    await publish('info', await info(), true);
    if (state.job) await publish('job-status', state.job.status, true);
  }

  async function report(status: JobStatus, activeChanged: boolean): Promise<void> {
    // Not awaited: a publish while the broker is away waits in the client's queue; the job goes on.
    void publish('job-status', status, true);
    if (activeChanged) void info().then((i) => publish('info', i, true));
  }

  function start(job: FleetJob): void {
    const controller = new AbortController();
    const done = runJob({
      device,
      getState: () => state,
      setState: async (s) => { state = s; await device.saveState(s); },
      report,
      signal: controller.signal,
      log: (l) => log(`${device.name}: ${l}`),
    }, job).finally(() => { if (running?.controller === controller) running = undefined; });
    running = { jobId: job.jobId, controller, done };
  }

  async function onJob(payload: Buffer): Promise<void> {
    const d = decideJob(payload, device.name, state, o.trusted);
    if (d.kind === 'refuse') {
      refusals[d.reason]++;
      log(`${device.name}: job refused (${REFUSALS[d.reason]}): ${d.detail}`);
      return;
    }
    if (d.kind === 'resume') {
      if (running?.jobId === d.job.jobId) return;
      const status = state.job?.status;
      if (status && FINAL_JOB_STATES.has(status.state)) {
        await publish('job-status', status, true);
        return;
      }
      start(d.job);
      return;
    }
    if (running) {
      running.controller.abort();
      await running.done;
    }
    const status: JobStatus = { jobId: d.job.jobId, rolloutId: d.job.rolloutId, action: d.job.action, state: 'accepted', at: new Date().toISOString() };
    state = acceptedState(state, d.job, status);
    await device.saveState(state);
    void publish('job-status', status, true);
    start(d.job);
  }

  client.on('connect', () => {
    void announce().then(() => client.subscribeAsync(topic('job'), { qos: 1 })).catch((e: unknown) => log(`${device.name}: subscribe: ${errorMessage(e)}`));
  });
  client.on('message', (t, payload) => {
    if (t !== topic('job')) return;
    chain = chain.then(() => onJob(payload)).catch((e: unknown) => log(`${device.name}: job: ${errorMessage(e)}`));
  });
  client.on('error', (e) => log(`${device.name}: broker: ${e.message}`));

  const heartbeat = setInterval(() => {
    if (!client.connected) return;
    void device.stats().then((stats) => {
      const withRefusals = { ...stats, ...Object.fromEntries(Object.entries(refusals).map(([k, n]) => [`jobsRefused.${k}`, n])) };
      return publish('heartbeat', { at: new Date().toISOString(), stats: withRefusals }, false);
    });
  }, o.heartbeatMs ?? 10_000);
  heartbeat.unref();

  return {
    client,
    refusals,
    idle: async () => {
      await chain;
      while (running) await running.done;
    },
    close: async () => {
      clearInterval(heartbeat);
      running?.controller.abort();
      await running?.done;
      // A clean stop says so (the broker sends the will only for unclean ends).
      await publish('presence', { online: false, at: new Date().toISOString() } satisfies Presence, true);
      closed = true;
      await client.endAsync();
    },
  };
}
