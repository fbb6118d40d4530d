/**
 * Fetches a bundle tar over HTTP(S) into a staging file, resumably: the `.part` file keeps what arrived, a
 * retry (or a restart of the device) asks for `Range: bytes=<have>-` and appends. A server that ignores the
 * range (200) restarts the file. Done when the size matches; then the sha256 must match the signed job's,
 * otherwise the file is deleted and the download fails (E_FLEET_CHECKSUM). Retries back off (0.5 s doubling
 * to 8 s) until `deadlineMs`; an abort signal (a newer job) stops it at once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { RanasError } from '../src/errors.ts';

export interface DownloadOptions {
  url: string;
  /** Where the bundle goes; `<file>.part` while it arrives. */
  file: string;
  sizeBytes: number;
  sha256: string;
  /** Give up after this long, ms (default 10 min). */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Called with the bytes on disk after each received piece. */
  progress?: (bytes: number) => void;
}

export interface DownloadReport {
  /** Bytes already on disk when it started (a resumed download). */
  resumedFromBytes: number;
  requests: number;
}

async function sizeOf(file: string): Promise<number> {
  return (await fsp.stat(file).catch(() => undefined))?.size ?? 0;
}

async function sha256OfFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function downloadBundle(o: DownloadOptions): Promise<DownloadReport> {
  const part = `${o.file}.part`;
  const deadline = Date.now() + (o.deadlineMs ?? 600_000);
  let have = await sizeOf(part);
  if (have > o.sizeBytes) {
    await fsp.rm(part, { force: true });
    have = 0;
  }
  const report: DownloadReport = { resumedFromBytes: have, requests: 0 };
  let backoffMs = 500;
  let lastError = '';
  while (have < o.sizeBytes) {
    o.signal?.throwIfAborted();
    if (Date.now() > deadline) throw new RanasError('E_FLEET_DOWNLOAD', `download of ${o.url} stopped at ${have} of ${o.sizeBytes} bytes after its deadline (${lastError})`, { url: o.url, bytes: have });
    report.requests++;
    try {
      const res = await fetch(o.url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, signal: o.signal });
      if (res.status !== 200 && res.status !== 206) throw new RanasError('E_FLEET_DOWNLOAD', `GET ${o.url} answered ${res.status}; expected 200 or 206`);
      if (res.status === 200) have = 0;
      const out = fs.createWriteStream(part, { flags: res.status === 206 ? 'a' : 'w' });
      try {
        if (res.body) {
          for await (const chunk of res.body) {
            if (have + chunk.length > o.sizeBytes) throw new RanasError('E_FLEET_DOWNLOAD', `${o.url} sent more than the job's ${o.sizeBytes} bytes`);
            if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
            have += chunk.length;
            o.progress?.(have);
          }
        }
      } finally {
        await new Promise<void>((resolve) => out.end(() => resolve()));
      }
      backoffMs = 500;
    } catch (e) {
      if (o.signal?.aborted) throw e;
      if (e instanceof RanasError && /more than/.test(e.message)) {
        await fsp.rm(part, { force: true });
        throw e;
      }
      lastError = e instanceof Error ? e.message : String(e);
      have = await sizeOf(part);
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 8000);
    }
  }
  const sha = await sha256OfFile(part);
  if (sha !== o.sha256) {
    await fsp.rm(part, { force: true });
    throw new RanasError('E_FLEET_CHECKSUM', `bundle from ${o.url} has sha256 ${sha}; the signed job says ${o.sha256}`, { url: o.url, found: sha, expected: o.sha256 });
  }
  await fsp.rename(part, o.file);
  return report;
}
