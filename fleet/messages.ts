/**
 * What travels over the broker (JSON, UTF-8), one type per topic (topics.ts) and a validator for each.
 * Jobs and abort requests travel signed (job-signing.ts): the envelope carries the exact payload bytes, so
 * what is verified is what is parsed.
 */
import { checkTopicName } from './topics.ts';
import { asObject, bool, num, oneOf, optNum, optStr, parseObject, str, strings, numbersRecord, type Json } from './read-fields.ts';

const SHA256 = /^[0-9a-f]{64}$/;

/** A bundle as a job names it. `version` is the release version: monotonic, a device refuses older ones. */
export interface BundleRef {
  name: string;
  /** sha256 (hex) of the bundle tar (the signed job carries it, so the job's signature covers the bundle). */
  sha256: string;
  sizeBytes: number;
  version: number;
}

export type JobAction = 'install' | 'rollback';
const JOB_ACTIONS: Record<JobAction, true> = { install: true, rollback: true };

/** What a device checks after installing, before it reports success. */
export interface HealthCheck {
  /** Test inferences on the new bundle (unlimited budget); each must answer a valid exit and class. */
  inferences: number;
  /** When set: every segment's profiled p99 must be at or below this, µs. */
  maxP99Us?: number;
}

/**
 * A job for one device. `install`: fetch `url` (HTTP(S), ranges), check size + sha256, install, health-check,
 * roll back on failure. `rollback`: when `bundle` is the active bundle, make the previous one active again
 * (a rollout's abort); otherwise nothing to do.
 */
export interface FleetJob {
  format: 'ranas-fleet-job';
  jobId: string;
  rolloutId: string;
  /** The device this job is for: a job copied onto another device's topic is refused. */
  device: string;
  /** Monotonic per issuer (microseconds since the epoch at issue): a device refuses a seq at or below the last it accepted. */
  seq: number;
  action: JobAction;
  bundle: BundleRef;
  /** Bundle tar URL (install only). */
  url?: string;
  health: HealthCheck;
  issuedAt: string;
}

/** A signed message: the payload's exact UTF-8 text, its Ed25519 signature and the signing key's id. */
export interface SignedEnvelope {
  payload: string;
  /** base64 Ed25519 signature of the payload bytes. */
  signature: string;
  /** First 16 hex digits of the sha256 of the public key (SPKI DER). */
  keyId: string;
}

export type JobState = 'accepted' | 'downloading' | 'installing' | 'health-check' | 'succeeded' | 'failed' | 'rolled-back';
const JOB_STATES: Record<JobState, true> = { accepted: true, downloading: true, installing: true, 'health-check': true, succeeded: true, failed: true, 'rolled-back': true };
/** States after which a device does nothing more for a job. */
export const FINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'rolled-back']);

/** A device's report on its latest job. */
export interface JobStatus {
  jobId: string;
  rolloutId: string;
  action: JobAction;
  state: JobState;
  at: string;
  /** The bundle active on the device when the status was written (absent: none). */
  active?: { sha256: string; version: number };
  /** Bytes fetched so far (downloading). */
  downloadedBytes?: number;
  /** Why a job failed (a typed error's code and message). */
  error?: string;
}

export interface Presence {
  online: boolean;
  at: string;
}

/** Per-segment latency of the active bundle on the device. */
export interface ProfileSummary {
  measuredAt: string;
  segments: { p50Us: number; p99Us: number }[];
}

export interface DeviceInfo {
  device: string;
  agentVersion: string;
  runtimes: string[];
  simulated: boolean;
  bundle?: { name: string; sha256: string; version: number };
  profile?: ProfileSummary;
}

export interface Heartbeat {
  at: string;
  stats: Record<string, number>;
}

/** An operator's request to stop a rollout (signed like jobs). */
export interface AbortRequest {
  format: 'ranas-fleet-abort';
  rolloutId: string;
  reason: string;
  issuedAt: string;
}

export function parseBundleRef(v: unknown, where: string): BundleRef {
  const o = asObject(v, where, 'bundle');
  return { name: str(o, 'name', where), sha256: str(o, 'sha256', where, SHA256), sizeBytes: num(o, 'sizeBytes', where, { min: 1, integer: true }), version: num(o, 'version', where, { min: 0, integer: true }) };
}

export function parseJob(text: string): FleetJob {
  const where = 'fleet job';
  const o = parseObject(text, where);
  if (o.format !== 'ranas-fleet-job') str(o, 'format', where, /^ranas-fleet-job$/);
  const action = oneOf(o, 'action', where, JOB_ACTIONS);
  const h = asObject(o.health, where, 'health');
  const url = optStr(o, 'url', where);
  if (action === 'install' && (url === undefined || !/^https?:\/\//.test(url))) str(o, 'url', where, /^https?:\/\//);
  const maxP99Us = optNum(h, 'maxP99Us', where, { min: 0 });
  return {
    format: 'ranas-fleet-job',
    jobId: checkTopicName(str(o, 'jobId', where), 'job id'),
    rolloutId: checkTopicName(str(o, 'rolloutId', where), 'rollout id'),
    device: checkTopicName(str(o, 'device', where), 'device'),
    seq: num(o, 'seq', where, { min: 1, integer: true }),
    action,
    bundle: parseBundleRef(o.bundle, where),
    ...(url !== undefined ? { url } : {}),
    health: { inferences: num(h, 'inferences', where, { min: 0, integer: true }), ...(maxP99Us !== undefined ? { maxP99Us } : {}) },
    issuedAt: str(o, 'issuedAt', where),
  };
}

export function parseEnvelope(bytes: Uint8Array | string, where: string): SignedEnvelope {
  const o = parseObject(bytes, where);
  return { payload: str(o, 'payload', where), signature: str(o, 'signature', where, /^[A-Za-z0-9+/=]+$/), keyId: str(o, 'keyId', where, /^[0-9a-f]{16}$/) };
}

function parseActive(v: unknown, where: string): { sha256: string; version: number } | undefined {
  if (v === undefined) return undefined;
  const o = asObject(v, where, 'active');
  return { sha256: str(o, 'sha256', where, SHA256), version: num(o, 'version', where, { min: 0, integer: true }) };
}

export function parseJobStatus(bytes: Uint8Array | string): JobStatus {
  const where = 'job status';
  const o = parseObject(bytes, where);
  const active = parseActive(o.active, where);
  const downloadedBytes = optNum(o, 'downloadedBytes', where, { min: 0 });
  const error = optStr(o, 'error', where);
  return {
    jobId: str(o, 'jobId', where), rolloutId: str(o, 'rolloutId', where), action: oneOf(o, 'action', where, JOB_ACTIONS),
    state: oneOf(o, 'state', where, JOB_STATES), at: str(o, 'at', where),
    ...(active ? { active } : {}), ...(downloadedBytes !== undefined ? { downloadedBytes } : {}), ...(error !== undefined ? { error } : {}),
  };
}

export function parsePresence(bytes: Uint8Array | string): Presence {
  const o = parseObject(bytes, 'presence');
  return { online: bool(o, 'online', 'presence'), at: str(o, 'at', 'presence') };
}

function parseProfileSummary(v: unknown, where: string): ProfileSummary | undefined {
  if (v === undefined) return undefined;
  const o = asObject(v, where, 'profile');
  const segs = o.segments;
  if (!Array.isArray(segs)) return { measuredAt: str(o, 'measuredAt', where), segments: [] };
  return {
    measuredAt: str(o, 'measuredAt', where),
    segments: segs.map((s, k) => {
      const so: Json = asObject(s, where, `profile.segments[${k}]`);
      return { p50Us: num(so, 'p50Us', where), p99Us: num(so, 'p99Us', where) };
    }),
  };
}

export function parseDeviceInfo(bytes: Uint8Array | string): DeviceInfo {
  const where = 'device info';
  const o = parseObject(bytes, where);
  const b = o.bundle === undefined ? undefined : asObject(o.bundle, where, 'bundle');
  const profile = parseProfileSummary(o.profile, where);
  return {
    device: str(o, 'device', where), agentVersion: str(o, 'agentVersion', where), runtimes: strings(o, 'runtimes', where), simulated: bool(o, 'simulated', where),
    ...(b ? { bundle: { name: str(b, 'name', where), sha256: str(b, 'sha256', where), version: num(b, 'version', where, { min: 0, integer: true }) } } : {}),
    ...(profile ? { profile } : {}),
  };
}

export function parseHeartbeat(bytes: Uint8Array | string): Heartbeat {
  const o = parseObject(bytes, 'heartbeat');
  return { at: str(o, 'at', 'heartbeat'), stats: numbersRecord(o, 'stats', 'heartbeat') };
}

export function parseAbortRequest(text: string): AbortRequest {
  const where = 'abort request';
  const o = parseObject(text, where);
  str(o, 'format', where, /^ranas-fleet-abort$/);
  return { format: 'ranas-fleet-abort', rolloutId: str(o, 'rolloutId', where), reason: str(o, 'reason', where), issuedAt: str(o, 'issuedAt', where) };
}
