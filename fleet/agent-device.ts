/**
 * The real device agent as a fleet device: installs through the agent (the store's atomic swap; the agent
 * loads and profiles the models before the swap), checks health on the active bundle, rolls back through
 * the store, and keeps its fleet state (last accepted seq, releases, latest job) in
 * `<bundle-dir>/fleet-state.json`, written atomically (temp file, fsync, rename).
 *
 * Health check: every segment of the fresh profile measured (finite, positive p50/p99, and at or below
 * the job's `maxP99Us` when set), then N inferences at an unlimited budget on varied images, each answering
 * the deepest exit, a class the bundle names and a confidence in [0, 1].
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { RanasError } from '../src/errors.ts';
import type { Agent } from '../device/agent.ts';
import { inputGeometry } from '../device/scheduler/preprocess.ts';
import type { FleetDevice } from './fleet-device.ts';
import { emptyFleetState, type DeviceFleetState } from './job-guard.ts';
import { asObject, num, str, type Json } from './read-fields.ts';
import { parseJob, parseJobStatus, type HealthCheck, type ProfileSummary } from './messages.ts';

const STATE_FILE = 'fleet-state.json';

function parseRelease(v: unknown, where: string): { sha256: string; version: number } | undefined {
  if (v === undefined) return undefined;
  const o = asObject(v, where, 'release');
  return { sha256: str(o, 'sha256', where), version: num(o, 'version', where, { min: 0, integer: true }) };
}

/** Parses a saved fleet state (a damaged file reads as empty state plus the highest seq it still shows). */
export function parseFleetState(text: string): DeviceFleetState {
  const where = STATE_FILE;
  const o: Json = asObject(JSON.parse(text), where, '(file)');
  const seen = Array.isArray(o.seenJobIds) ? o.seenJobIds.filter((x): x is string => typeof x === 'string') : [];
  const release = parseRelease(o.release, where);
  const previous = parseRelease(o.previous, where);
  const j = o.job === undefined ? undefined : asObject(o.job, where, 'job');
  return {
    lastSeq: num(o, 'lastSeq', where, { min: 0, integer: true }),
    seenJobIds: seen,
    ...(release ? { release } : {}),
    ...(previous ? { previous } : {}),
    ...(j ? { job: { job: parseJob(str(j, 'job', where)), status: parseJobStatus(str(j, 'status', where)) } } : {}),
  };
}

export function serializeFleetState(s: DeviceFleetState): string {
  return JSON.stringify({ ...s, ...(s.job ? { job: { job: JSON.stringify(s.job.job), status: JSON.stringify(s.job.status) } } : {}) }, null, 1) + '\n';
}

export interface AgentDeviceOptions {
  agent: Agent;
  bundleDir: string;
  deviceName: string;
  agentVersion: string;
  runtimes: string[];
}

export function agentDevice(o: AgentDeviceOptions): FleetDevice {
  const stateFile = path.join(o.bundleDir, STATE_FILE);
  return {
    name: o.deviceName,
    simulated: false,
    stagingDir: path.join(o.bundleDir, 'fleet-staging'),
    agentVersion: () => o.agentVersion,
    runtimes: () => o.runtimes,
    active: async () => {
      const a = o.agent.active();
      return a && { name: a.bundle.manifest.model.name, sha256: a.bundle.sourceSha256 ?? a.bundle.manifestSha256 };
    },
    profile: async (): Promise<ProfileSummary | undefined> => {
      const p = o.agent.active()?.profile;
      return p && { measuredAt: p.measuredAt, segments: p.segments.map((s) => ({ p50Us: s.p50Us, p99Us: s.p99Us })) };
    },
    stats: async () => o.agent.stats(),
    install: async (file, job) => {
      await o.agent.install(file, job.bundle.sha256);
    },
    healthCheck: (check) => healthCheckAgent(o.agent, check),
    rollback: async () => {
      await o.agent.rollback();
    },
    loadState: async () => {
      const text = await fsp.readFile(stateFile, 'utf8').catch(() => undefined);
      if (text === undefined) return emptyFleetState();
      try {
        return parseFleetState(text);
      } catch {
        // Never accept old jobs again after damage: keep the highest seq we can still read.
        const seq = Number(/"lastSeq":\s*(\d+)/.exec(text)?.[1] ?? 0);
        return { ...emptyFleetState(), lastSeq: seq };
      }
    },
    saveState: async (s) => {
      const tmp = `${stateFile}.tmp-${process.pid}`;
      const fh = await fsp.open(tmp, 'w');
      try {
        await fh.writeFile(serializeFleetState(s));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, stateFile);
    },
  };
}

export async function healthCheckAgent(agent: Agent, check: HealthCheck): Promise<void> {
  const a = agent.active();
  if (!a) throw new RanasError('E_FLEET_HEALTH', 'no bundle is active after the install');
  a.profile.segments.forEach((s, k) => {
    if (!(Number.isFinite(s.p50Us) && Number.isFinite(s.p99Us) && s.p50Us > 0 && s.p99Us > 0)) {
      throw new RanasError('E_FLEET_HEALTH', `segment ${k} profiled p50 ${s.p50Us} µs, p99 ${s.p99Us} µs; expected finite positive times`, { segment: k });
    }
    if (check.maxP99Us !== undefined && s.p99Us > check.maxP99Us) {
      throw new RanasError('E_FLEET_HEALTH', `segment ${k} p99 is ${s.p99Us.toFixed(0)} µs; the rollout allows at most ${check.maxP99Us} µs`, { segment: k });
    }
  });
  const m = a.bundle.manifest;
  const g = inputGeometry(m.input);
  const classes = m.model.classNames.length;
  const deepest = m.segments.length - 1;
  for (let i = 0; i < check.inferences; i++) {
    const image = Uint8Array.from({ length: g.height * g.width * g.channels }, (_, j) => (j * (31 + 2 * i) + i * 7) & 255);
    const ans = await agent.run({ input: image, shape: [g.height, g.width, g.channels], budgetUs: 1e12, policy: 'deadline' });
    const ok = ans.exitIndex === deepest && Number.isInteger(ans.classIndex) && ans.classIndex >= 0 && ans.classIndex < classes && ans.confidence >= 0 && ans.confidence <= 1;
    if (!ok) throw new RanasError('E_FLEET_HEALTH', `test inference ${i} answered exit ${ans.exitIndex}, class ${ans.classIndex}, confidence ${ans.confidence}; expected exit ${deepest}, a class below ${classes}, confidence in [0, 1]`, { inference: i });
  }
}
