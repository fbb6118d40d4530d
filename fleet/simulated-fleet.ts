/**
 * Simulated devices for scale: N devices in one process, each with its own broker connection, fleet state
 * and download, speaking exactly the protocol of the real agent (device-session.ts and job-runner.ts are
 * the same code). What is simulated is only the device's inside: "install" records the verified tar's
 * sha256 (the bundle really is fetched over HTTP with ranges and checked against the signed sha256), the
 * health check takes `healthMs` and fails for the devices chosen to fail, profiles are synthetic.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { RanasError } from '../src/errors.ts';
import { packageVersion } from '../src/run-folder.ts';
import type { BrokerOptions } from './broker-connection.ts';
import { startDeviceSession, type DeviceSession } from './device-session.ts';
import type { FleetDevice } from './fleet-device.ts';
import { emptyFleetState, type DeviceFleetState } from './job-guard.ts';
import type { TrustedKeys } from './job-signing.ts';
import { checkTopicName } from './topics.ts';

export interface SimulatedFleetOptions {
  broker: BrokerOptions;
  trusted: TrustedKeys;
  prefix?: string;
  count: number;
  /** Device names: `<namePrefix>-0000` … (default 'sim'). */
  namePrefix?: string;
  /** The bundle every device starts on. */
  initial: { name: string; sha256: string };
  /** Which devices fail every health check (by index). */
  failsHealthCheck?: (index: number) => boolean;
  /** Simulated install and health-check time, ms (default 20 each). */
  installMs?: number;
  healthMs?: number;
  /** Folder for the downloads (one sub-folder per device). */
  stagingDir: string;
  heartbeatMs?: number;
  /** Connections opened at once while starting (default 50: a broker takes a burst of CONNECTs in batches). */
  connectBatch?: number;
  log?: (line: string) => void;
}

/** One simulated device's inside (what the session drives). */
interface SimDeviceState {
  active: { name: string; sha256: string };
  previous?: { name: string; sha256: string };
  fleet: DeviceFleetState;
  installs: number;
  healthChecks: number;
  rollbacks: number;
}

export interface SimulatedFleet {
  names: string[];
  sessions: DeviceSession[];
  /** Active bundle sha256 of each device. */
  activeOf(name: string): string;
  /** Counters of one device (installs, health checks, rollbacks). */
  countersOf(name: string): { installs: number; healthChecks: number; rollbacks: number };
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function simDevice(name: string, index: number, o: SimulatedFleetOptions, inside: SimDeviceState): FleetDevice {
  return {
    name,
    simulated: true,
    stagingDir: path.join(o.stagingDir, name),
    agentVersion: () => packageVersion(),
    runtimes: () => ['simulated'],
    active: async () => inside.active,
    profile: async () => ({ measuredAt: new Date(0).toISOString(), segments: [{ p50Us: 800 + (index % 7) * 10, p99Us: 1200 + (index % 11) * 20 }, { p50Us: 1500 + (index % 5) * 15, p99Us: 2100 + (index % 13) * 25 }] }),
    stats: async () => ({ installs: inside.installs, healthChecks: inside.healthChecks, rollbacks: inside.rollbacks }),
    install: async (file, job) => {
      await sleep(o.installMs ?? 20);
      await fsp.access(file);
      inside.previous = inside.active;
      inside.active = { name: job.bundle.name, sha256: job.bundle.sha256 };
      inside.installs++;
    },
    healthCheck: async () => {
      inside.healthChecks++;
      await sleep(o.healthMs ?? 20);
      if (o.failsHealthCheck?.(index)) throw new RanasError('E_FLEET_HEALTH', `simulated device ${name} fails its health check (chosen to fail)`);
    },
    rollback: async () => {
      if (!inside.previous) throw new RanasError('E_NO_ROLLBACK', `simulated device ${name} has no previous bundle`);
      [inside.active, inside.previous] = [inside.previous, inside.active];
      inside.rollbacks++;
    },
    loadState: async () => inside.fleet,
    saveState: async (s) => { inside.fleet = s; },
  };
}

export async function startSimulatedFleet(o: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const prefix = o.namePrefix ?? 'sim';
  const names = Array.from({ length: o.count }, (_, i) => checkTopicName(`${prefix}-${String(i).padStart(4, '0')}`, 'device'));
  const insides = new Map<string, SimDeviceState>();
  const sessions: DeviceSession[] = [];
  const batch = o.connectBatch ?? 50;
  for (let i = 0; i < names.length; i += batch) {
    const started = await Promise.all(names.slice(i, i + batch).map(async (name, j) => {
      const inside: SimDeviceState = { active: { ...o.initial }, fleet: emptyFleetState(), installs: 0, healthChecks: 0, rollbacks: 0 };
      insides.set(name, inside);
      const session = await startDeviceSession(simDevice(name, i + j, o, inside), { broker: { ...o.broker, clientId: `ranas-sim-${name}` }, trusted: o.trusted, prefix: o.prefix, heartbeatMs: o.heartbeatMs, log: o.log });
      await new Promise<void>((resolve) => (session.client.connected ? resolve() : session.client.once('connect', () => resolve())));
      return session;
    }));
    sessions.push(...started);
  }
  const inside = (name: string): SimDeviceState => {
    const s = insides.get(name);
    if (!s) throw new RanasError('E_FLEET_UNKNOWN_DEVICE', `no simulated device '${name}'`);
    return s;
  };
  return {
    names,
    sessions,
    activeOf: (name) => inside(name).active.sha256,
    countersOf: (name) => {
      const s = inside(name);
      return { installs: s.installs, healthChecks: s.healthChecks, rollbacks: s.rollbacks };
    },
    close: async () => {
      for (let i = 0; i < sessions.length; i += batch) await Promise.all(sessions.slice(i, i + batch).map((s) => s.close()));
      await fsp.rm(o.stagingDir, { recursive: true, force: true });
    },
  };
}
