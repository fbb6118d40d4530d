/**
 * Runs one accepted job on a device, step by step, saving the state after each step so a device that
 * restarts (or loses its broker) resumes where it stopped:
 *   install:  accepted → downloading (resumable HTTP) → installing (atomic store swap) → health-check → succeeded
 *             install refused → failed (the old bundle never stopped being active)
 *             health check failed → rolled back to the previous bundle → failed
 *   rollback: the job's bundle is active → previous bundle made active → rolled-back (else nothing to undo)
 * On resume the store is the truth: if the new bundle is already active (the device stopped during the
 * install or the health check), the health check runs again; otherwise the download resumes.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, isRanasError } from '../src/errors.ts';
import { downloadBundle } from './bundle-download.ts';
import type { FleetDevice } from './fleet-device.ts';
import type { DeviceFleetState, Release } from './job-guard.ts';
import type { FleetJob, JobState, JobStatus } from './messages.ts';

export interface JobRunContext {
  device: FleetDevice;
  /** Current state (the runner replaces it with each step and saves it). */
  getState(): DeviceFleetState;
  setState(s: DeviceFleetState): Promise<void>;
  /** Publishes a status (and the device's info when the active bundle changed). */
  report(status: JobStatus, activeChanged: boolean): Promise<void>;
  signal: AbortSignal;
  log(line: string): void;
}

function describe(e: unknown): string {
  return isRanasError(e) ? `${e.code}: ${e.message}` : errorMessage(e);
}

async function activeRelease(ctx: JobRunContext): Promise<Release | undefined> {
  const a = await ctx.device.active();
  if (!a) return undefined;
  const st = ctx.getState();
  const version = st.release?.sha256 === a.sha256 ? st.release.version : st.previous?.sha256 === a.sha256 ? st.previous.version : 0;
  return { sha256: a.sha256, version };
}

async function step(ctx: JobRunContext, job: FleetJob, state: JobState, extra: Partial<JobStatus> = {}, activeChanged = false): Promise<void> {
  const active = await activeRelease(ctx);
  const status: JobStatus = { jobId: job.jobId, rolloutId: job.rolloutId, action: job.action, state, at: new Date().toISOString(), ...(active ? { active } : {}), ...extra };
  await ctx.setState({ ...ctx.getState(), job: { job, status } });
  await ctx.report(status, activeChanged);
}

/** Records that `next` is now active and `prev` the rollback target. */
async function swapReleases(ctx: JobRunContext, next: Release | undefined, prev: Release | undefined): Promise<void> {
  const s = ctx.getState();
  const { release: _r, previous: _p, ...rest } = s;
  await ctx.setState({ ...rest, ...(next ? { release: next } : {}), ...(prev ? { previous: prev } : {}) });
}

async function healthCheckOrRollBack(ctx: JobRunContext, job: FleetJob, before: Release | undefined): Promise<void> {
  await step(ctx, job, 'health-check');
  try {
    await ctx.device.healthCheck(job.health);
  } catch (e) {
    ctx.log(`job ${job.jobId}: health check failed (${describe(e)}); rolling back`);
    try {
      await ctx.device.rollback();
      await swapReleases(ctx, before, { sha256: job.bundle.sha256, version: job.bundle.version });
    } catch (r) {
      await step(ctx, job, 'failed', { error: `health check failed (${describe(e)}); rollback failed too (${describe(r)})` }, true);
      return;
    }
    await step(ctx, job, 'failed', { error: `health check failed (${describe(e)}); rolled back` }, true);
    return;
  }
  await step(ctx, job, 'succeeded', {}, true);
}

async function runInstall(ctx: JobRunContext, job: FleetJob): Promise<void> {
  const target: Release = { sha256: job.bundle.sha256, version: job.bundle.version };
  const active = await activeRelease(ctx);
  const prior = ctx.getState().job?.status.state;
  if (active?.sha256 === target.sha256) {
    // Already active: a finished install, or a device stopped after the swap: check it (again) unless it passed.
    if (prior === 'succeeded') return step(ctx, job, 'succeeded');
    if (prior === 'installing' || prior === 'health-check') {
      const s = ctx.getState();
      return healthCheckOrRollBack(ctx, job, s.release?.sha256 === target.sha256 ? s.previous : s.release);
    }
    await swapReleases(ctx, target, ctx.getState().previous);
    return step(ctx, job, 'succeeded', {}, true);
  }
  if (!job.url) return step(ctx, job, 'failed', { error: 'install job without a url' });
  await fsp.mkdir(ctx.device.stagingDir, { recursive: true });
  const file = path.join(ctx.device.stagingDir, `${job.bundle.sha256}.tar`);
  await step(ctx, job, 'downloading', { downloadedBytes: 0 });
  try {
    await downloadBundle({ url: job.url, file, sizeBytes: job.bundle.sizeBytes, sha256: job.bundle.sha256, signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) return;
    return step(ctx, job, 'failed', { error: `download failed (${describe(e)})` });
  }
  ctx.signal.throwIfAborted();
  await step(ctx, job, 'installing');
  try {
    await ctx.device.install(file, job);
  } catch (e) {
    return step(ctx, job, 'failed', { error: `install refused (${describe(e)}); the previous bundle stays active` });
  } finally {
    await fsp.rm(file, { force: true });
  }
  await swapReleases(ctx, target, active);
  await healthCheckOrRollBack(ctx, job, active);
}

async function runRollback(ctx: JobRunContext, job: FleetJob): Promise<void> {
  const active = await activeRelease(ctx);
  if (active?.sha256 === job.bundle.sha256) {
    await ctx.device.rollback();
    const s = ctx.getState();
    await swapReleases(ctx, s.previous, active);
    return step(ctx, job, 'rolled-back', {}, true);
  }
  // Not on the bundle being undone (never installed, or its health check already rolled it back).
  await fsp.rm(path.join(ctx.device.stagingDir, `${job.bundle.sha256}.tar.part`), { force: true });
  return step(ctx, job, 'rolled-back');
}

/** Runs (or resumes) a job to a final state; a newer job aborts it through `ctx.signal`. */
export async function runJob(ctx: JobRunContext, job: FleetJob): Promise<void> {
  try {
    if (job.action === 'install') await runInstall(ctx, job);
    else await runRollback(ctx, job);
  } catch (e) {
    if (ctx.signal.aborted) {
      ctx.log(`job ${job.jobId}: superseded by a newer job`);
      return;
    }
    ctx.log(`job ${job.jobId}: ${describe(e)}`);
    await step(ctx, job, 'failed', { error: describe(e) }).catch(() => undefined);
  }
}
