/**
 * A staged rollout. The bundle is served over HTTP (bundle-server.ts); the targets are split into waves
 * (waves.ts); for each wave a signed install job goes to every device's retained job topic, then the rollout
 * waits for each device's final status, up to `waveTimeoutMs`. A device that fails (download, install or
 * health check) or does not finish in time counts as a failure. When a wave's failures pass
 * `maxFailureFraction` of its size — checked as results arrive, so the abort happens as soon as the
 * threshold is passed — or an operator's signed abort arrives, the rollout stops: every device of the
 * current wave gets a signed rollback job (a device on the new bundle returns to its previous one; one
 * still downloading stops; one that never started does nothing), no later wave starts, and the retained
 * rollout state says `aborted` with the reason. Earlier, healthy waves keep the new bundle.
 *
 * After a broker restart the rollout publishes the current wave's jobs again (same ids and seqs, so
 * devices resume rather than restart them), and devices publish their latest status again on reconnect.
 */
import { createPublicKey } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { errorMessage } from '../src/errors.ts';
import type { FleetView } from './fleet-view.ts';
import { signPayload, verifyEnvelope, type SigningKey } from './job-signing.ts';
import { parseAbortRequest, parseEnvelope, type BundleRef, type FleetJob, type HealthCheck, type JobStatus, type SignedEnvelope } from './messages.ts';
import { deviceTopic, rolloutTopic } from './topics.ts';
import { planWaves } from './waves.ts';

export interface RolloutOptions {
  client: MqttClient;
  view: FleetView;
  prefix: string;
  key: SigningKey;
  rolloutId: string;
  bundle: BundleRef;
  url: string;
  devices: readonly string[];
  wavePercents: readonly number[];
  /** Seed of the wave shuffle (default: from the rollout id). */
  seed?: number;
  /** Abort when failures in a wave pass this fraction of the wave's devices (default 0.1). */
  maxFailureFraction?: number;
  /** Longest wait for a wave's results, ms (default 10 min). */
  waveTimeoutMs?: number;
  /** Longest wait for rollback confirmations after an abort, ms (default 2 min). */
  rollbackTimeoutMs?: number;
  health: HealthCheck;
  log?: (line: string) => void;
}

export type WaveOutcome = 'completed' | 'aborted';

export interface WaveReport {
  index: number;
  percent: number;
  devices: number;
  succeeded: number;
  failed: number;
  /** Still not finished when the wave ended (timed out, or cut short by the abort). */
  unfinished: number;
  outcome: WaveOutcome;
  /** Devices that confirmed the rollback (aborted wave only). */
  rolledBack?: number;
  ms: number;
}

export interface RolloutReport {
  rolloutId: string;
  bundle: BundleRef;
  state: 'running' | 'completed' | 'aborted';
  reason?: string;
  waves: WaveReport[];
  plannedWaves: number;
  failures: { device: string; error: string }[];
  at: string;
}

/** Per-process monotonic job seq: microseconds since the epoch, strictly increasing. */
let lastSeq = 0;
export function nextJobSeq(): number {
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

function seedOf(id: string): number {
  let h = 2166136261;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

type Final = 'succeeded' | 'failed';

/** Waits until every device of `jobs` reports a final state for its job, or `stop()` says so, or the timeout. */
function waitForResults(o: RolloutOptions, jobs: Map<string, FleetJob>, finals: Record<string, JobStatus['state']>, timeoutMs: number, failureNotes: Map<string, string>,
  stop: (results: Map<string, Final | 'rolled-back'>) => boolean): Promise<Map<string, Final | 'rolled-back'>> {
  const results = new Map<string, Final | 'rolled-back'>();
  return new Promise((resolve) => {
    let done = false;
    const take = (device: string, status: JobStatus | undefined) => {
      const job = jobs.get(device);
      if (!job || !status || status.jobId !== job.jobId || results.has(device)) return;
      const outcome = finals[status.state];
      if (outcome === 'succeeded' || outcome === 'failed' || outcome === 'rolled-back') {
        results.set(device, outcome);
        if (outcome === 'failed' && status.error) failureNotes.set(device, status.error);
        check();
      }
    };
    const finish = () => {
      if (done) return;
      done = true;
      off();
      clearTimeout(timer);
      clearInterval(poll);
      resolve(results);
    };
    const check = () => { if (results.size === jobs.size || stop(results)) finish(); };
    const off = o.view.onStatus(take);
    const timer = setTimeout(finish, timeoutMs);
    const poll = setInterval(check, 200); // an operator abort arrives outside the status stream
    for (const d of jobs.keys()) take(d, o.view.get(d)?.status);
    check();
  });
}

export async function runRollout(o: RolloutOptions): Promise<RolloutReport> {
  const log = o.log ?? (() => {});
  const maxFraction = o.maxFailureFraction ?? 0.1;
  const waves = planWaves(o.devices, o.wavePercents, o.seed ?? seedOf(o.rolloutId));
  const report: RolloutReport = { rolloutId: o.rolloutId, bundle: o.bundle, state: 'running', waves: [], plannedWaves: waves.length, failures: [], at: new Date().toISOString() };
  let operatorAbort: string | undefined;
  const failureNotes = new Map<string, string>();
  let live = new Map<string, SignedEnvelope>();

  const publishState = () => o.client.publishAsync(rolloutTopic(o.prefix, o.rolloutId, 'state'), JSON.stringify({ ...report, at: new Date().toISOString() }), { qos: 1, retain: true }).catch((e: unknown) => log(`rollout state: ${errorMessage(e)}`));
  const publishJobs = (envs: Map<string, SignedEnvelope>) => Promise.all([...envs].map(([device, env]) =>
    o.client.publishAsync(deviceTopic(o.prefix, device, 'job'), JSON.stringify(env), { qos: 1, retain: true }).catch((e: unknown) => log(`job for ${device}: ${errorMessage(e)}`))));
  const onReconnect = () => {
    log('broker connection back: publishing the current jobs again');
    void publishJobs(live);
    void publishState();
  };
  o.client.on('connect', onReconnect);

  const myKey = new Map([[o.key.keyId, createPublicKey(o.key.privateKey)]]);
  const abortTopic = rolloutTopic(o.prefix, o.rolloutId, 'abort');
  const onAbort = (topic: string, payload: Buffer) => {
    if (topic !== abortTopic) return;
    try {
      const checked = verifyEnvelope(parseEnvelope(payload, 'abort request'), myKey);
      if (!checked.ok) return log(`abort request refused: ${checked.reason}`);
      const req = parseAbortRequest(checked.payload);
      if (req.rolloutId === o.rolloutId) operatorAbort = `aborted by the operator: ${req.reason}`;
    } catch (e) {
      log(`abort request refused: ${errorMessage(e)}`);
    }
  };
  o.client.on('message', onAbort);
  await o.client.subscribeAsync(abortTopic, { qos: 1 });

  const makeJobs = (devices: string[], action: FleetJob['action']) => {
    const jobs = new Map<string, FleetJob>();
    const envs = new Map<string, SignedEnvelope>();
    for (const device of devices) {
      const job: FleetJob = {
        format: 'ranas-fleet-job', jobId: `${o.rolloutId}.${action === 'install' ? 'i' : 'r'}.${device}`, rolloutId: o.rolloutId, device, seq: nextJobSeq(), action,
        bundle: o.bundle, ...(action === 'install' ? { url: o.url } : {}), health: o.health, issuedAt: new Date().toISOString(),
      };
      jobs.set(device, job);
      envs.set(device, signPayload(job, o.key));
    }
    return { jobs, envs };
  };
  const installFinals: Record<string, JobStatus['state']> = { succeeded: 'succeeded', failed: 'failed', 'rolled-back': 'failed' };
  const rollbackFinals: Record<string, JobStatus['state']> = { 'rolled-back': 'rolled-back', failed: 'failed' };

  try {
    await publishState();
    for (const [index, wave] of waves.entries()) {
      if (operatorAbort) break;
      const started = Date.now();
      const allowed = Math.floor(maxFraction * wave.devices.length);
      log(`wave ${index + 1}/${waves.length}: ${wave.devices.length} devices (${wave.percent} %), abort past ${allowed} failures`);
      const { jobs, envs } = makeJobs(wave.devices, 'install');
      live = envs;
      await publishJobs(envs);
      const failedCount = (r: Map<string, string>) => [...r.values()].filter((v) => v === 'failed').length;
      const results = await waitForResults(o, jobs, installFinals, o.waveTimeoutMs ?? 600_000, failureNotes, (r) => failedCount(r) > allowed || operatorAbort !== undefined);
      const succeeded = [...results.values()].filter((v) => v === 'succeeded').length;
      const failed = failedCount(results);
      const unfinished = wave.devices.length - results.size;
      for (const d of wave.devices) if (results.get(d) === 'failed') report.failures.push({ device: d, error: failureNotes.get(d) ?? 'failed' });
      const w: WaveReport = { index, percent: wave.percent, devices: wave.devices.length, succeeded, failed, unfinished, outcome: 'completed', ms: 0 };
      const passed = failed + unfinished > allowed;
      if (passed || operatorAbort) {
        report.reason = operatorAbort ?? `wave ${index + 1}: ${failed} failed and ${unfinished} unfinished of ${wave.devices.length} devices; at most ${allowed} allowed (${(maxFraction * 100).toFixed(0)} %)`;
        log(`abort: ${report.reason}; rolling back wave ${index + 1}`);
        const rb = makeJobs(wave.devices, 'rollback');
        live = rb.envs;
        await publishJobs(rb.envs);
        const back = await waitForResults(o, rb.jobs, rollbackFinals, o.rollbackTimeoutMs ?? 120_000, failureNotes, () => false);
        w.outcome = 'aborted';
        w.rolledBack = [...back.values()].filter((v) => v === 'rolled-back').length;
        w.ms = Date.now() - started;
        report.waves.push(w);
        report.state = 'aborted';
        break;
      }
      w.ms = Date.now() - started;
      report.waves.push(w);
      log(`wave ${index + 1} done in ${(w.ms / 1000).toFixed(1)} s: ${succeeded} succeeded, ${failed} failed`);
      await publishState();
    }
    if (report.state === 'running') report.state = operatorAbort ? 'aborted' : 'completed';
    if (operatorAbort && !report.reason) report.reason = operatorAbort;
    await publishState();
    return report;
  } finally {
    o.client.off('connect', onReconnect);
    o.client.off('message', onAbort);
    await o.client.unsubscribeAsync(abortTopic).catch(() => undefined);
  }
}

/** Publishes a signed abort request for a running rollout. */
export async function requestAbort(client: MqttClient, prefix: string, rolloutId: string, key: SigningKey, reason: string): Promise<void> {
  const env = signPayload({ format: 'ranas-fleet-abort', rolloutId, reason, issuedAt: new Date().toISOString() }, key);
  await client.publishAsync(rolloutTopic(prefix, rolloutId, 'abort'), JSON.stringify(env), { qos: 1 });
}

