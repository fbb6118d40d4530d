/**
 * The operator's view of the fleet, built from the broker's retained messages: every device's presence,
 * info and latest job status (and heartbeats as they come). `ranas fleet list|status|profile` and the
 * rollout read it. Malformed messages are counted and skipped: one bad device never breaks the view.
 */
import type { MqttClient } from 'mqtt';
import { parseDeviceInfo, parseHeartbeat, parseJobStatus, parsePresence, type DeviceInfo, type Heartbeat, type JobStatus, type Presence } from './messages.ts';
import { DEFAULT_TOPIC_PREFIX, everyDeviceTopic, parseDeviceTopic, type DeviceTopic } from './topics.ts';

export interface DeviceView {
  device: string;
  presence?: Presence;
  info?: DeviceInfo;
  status?: JobStatus;
  heartbeat?: Heartbeat;
}

export interface FleetView {
  devices(): DeviceView[];
  get(device: string): DeviceView | undefined;
  /** Messages that did not parse. */
  readonly malformed: number;
  /** Calls `f` on every job status as it arrives. */
  onStatus(f: (device: string, status: JobStatus) => void): () => void;
  /** Resolves once no retained message arrived for `quietMs` (the broker has sent what it holds). */
  settled(quietMs?: number, maxMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openFleetView(client: MqttClient, prefix = DEFAULT_TOPIC_PREFIX, withHeartbeats = false): Promise<FleetView> {
  const views = new Map<string, DeviceView>();
  const listeners = new Set<(device: string, status: JobStatus) => void>();
  let malformed = 0;
  let lastMessageAt = Date.now();
  const topics: DeviceTopic[] = ['presence', 'info', 'job-status', ...(withHeartbeats ? ['heartbeat' as const] : [])];
  const onMessage = (topic: string, payload: Buffer) => {
    const t = parseDeviceTopic(prefix, topic);
    if (!t || t.topic === 'job') return;
    lastMessageAt = Date.now();
    if (payload.length === 0) return; // a cleared retained message
    const v = views.get(t.device) ?? { device: t.device };
    views.set(t.device, v);
    try {
      if (t.topic === 'presence') v.presence = parsePresence(payload);
      else if (t.topic === 'info') v.info = parseDeviceInfo(payload);
      else if (t.topic === 'heartbeat') v.heartbeat = parseHeartbeat(payload);
      else {
        const status = parseJobStatus(payload);
        v.status = status;
        for (const f of listeners) f(t.device, status);
      }
    } catch {
      malformed++;
    }
  };
  client.on('message', onMessage);
  const subs = topics.map((t) => everyDeviceTopic(prefix, t));
  await client.subscribeAsync(subs, { qos: 1 });
  // Re-subscribe after a reconnect to a restarted broker (a clean session forgets subscriptions).
  const onConnect = () => { void client.subscribeAsync(subs, { qos: 1 }).catch(() => undefined); };
  client.on('connect', onConnect);
  return {
    devices: () => [...views.values()].sort((a, b) => a.device.localeCompare(b.device)),
    get: (d) => views.get(d),
    get malformed() { return malformed; },
    onStatus: (f) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    settled: async (quietMs = 300, maxMs = 10_000) => {
      const start = Date.now();
      while (Date.now() - lastMessageAt < quietMs && Date.now() - start < maxMs) await new Promise((r) => setTimeout(r, 50));
    },
    close: async () => {
      client.off('message', onMessage);
      client.off('connect', onConnect);
      await client.unsubscribeAsync(subs).catch(() => undefined);
    },
  };
}
