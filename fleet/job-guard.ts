/**
 * Which jobs a device acts on. A device accepts a job only when it is signed by a trusted key, names this
 * device, carries a seq above every job it accepted before (so a captured job cannot be replayed, even on
 * another topic or after a restart: the last seq is saved with the device's fleet state), and, for an
 * install, a release version above the active one's (the same bundle again is a no-op success). The job it is
 * already running or has finished comes back after a reconnect (the job topic is retained): that is
 * `resume`, not a refusal. Pure: state in, decision out.
 */
import { parseEnvelope, parseJob, type FleetJob, type JobStatus } from './messages.ts';
import { verifyEnvelope, type TrustedKeys } from './job-signing.ts';

/** A release a device runs: the bundle tar's sha256 and its release version. */
export interface Release {
  sha256: string;
  version: number;
}

/** What a device remembers between jobs (saved across restarts by the real agent). */
export interface DeviceFleetState {
  /** Highest seq accepted so far (0: none). */
  lastSeq: number;
  /** Ids of recently accepted jobs, newest last (at most `SEEN_JOB_IDS`). */
  seenJobIds: string[];
  release?: Release;
  /** The release before the last install (the rollback target). */
  previous?: Release;
  /** The latest accepted job and its status. */
  job?: { job: FleetJob; status: JobStatus };
}

export const SEEN_JOB_IDS = 64;

export function emptyFleetState(): DeviceFleetState {
  return { lastSeq: 0, seenJobIds: [] };
}

export type Refusal = 'malformed' | 'unknown-key' | 'bad-signature' | 'wrong-device' | 'replayed' | 'stale-seq' | 'older-version';
/** Every refusal reason (device stats count each). */
export const REFUSALS: Record<Refusal, string> = {
  malformed: 'not a valid signed job',
  'unknown-key': 'signed by a key this device does not trust',
  'bad-signature': 'signature does not verify',
  'wrong-device': 'the job names another device',
  replayed: 'a job id this device already accepted, with a different or older seq',
  'stale-seq': 'seq at or below the last accepted one',
  'older-version': 'release version not above the active one',
};

export type JobDecision =
  | { kind: 'accept'; job: FleetJob }
  | { kind: 'resume'; job: FleetJob }
  | { kind: 'refuse'; reason: Refusal; detail: string };

export function decideJob(bytes: Uint8Array | string, device: string, state: DeviceFleetState, trusted: TrustedKeys): JobDecision {
  let job: FleetJob;
  try {
    const env = parseEnvelope(bytes, 'job envelope');
    const checked = verifyEnvelope(env, trusted);
    if (!checked.ok) return { kind: 'refuse', reason: checked.reason, detail: `key ${env.keyId}` };
    job = parseJob(checked.payload);
  } catch (e) {
    return { kind: 'refuse', reason: 'malformed', detail: e instanceof Error ? e.message : String(e) };
  }
  const what = `job ${job.jobId} (seq ${job.seq})`;
  if (job.device !== device) return { kind: 'refuse', reason: 'wrong-device', detail: `${what} is for '${job.device}'` };
  const current = state.job?.job;
  if (current && current.jobId === job.jobId && current.seq === job.seq) return { kind: 'resume', job };
  if (state.seenJobIds.includes(job.jobId)) return { kind: 'refuse', reason: 'replayed', detail: `${what} was accepted before` };
  if (job.seq <= state.lastSeq) return { kind: 'refuse', reason: 'stale-seq', detail: `${what}: last accepted seq is ${state.lastSeq}` };
  const active = state.release;
  if (job.action === 'install' && active && active.sha256 !== job.bundle.sha256 && job.bundle.version <= active.version) {
    return { kind: 'refuse', reason: 'older-version', detail: `${what} installs version ${job.bundle.version}; version ${active.version} is active` };
  }
  return { kind: 'accept', job };
}

/** The state after accepting a job (seq and id remembered before any work starts). */
export function acceptedState(state: DeviceFleetState, job: FleetJob, status: JobStatus): DeviceFleetState {
  return { ...state, lastSeq: job.seq, seenJobIds: [...state.seenJobIds, job.jobId].slice(-SEEN_JOB_IDS), job: { job, status } };
}
