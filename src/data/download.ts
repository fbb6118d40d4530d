/**
 * HTTP(S) download to a file with a connect timeout, an idle timeout between chunks and byte progress.
 * Writes only to the path it is given (callers pass a staging path and rename after verification).
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { RanasError, errorMessage } from '../errors.ts';
import { silentProgress, type ByteProgress } from './progress.ts';

/** Download settings. */
export interface DownloadOptions {
  /** Give up if no response headers arrive within this time (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Give up if no bytes arrive for this long once the body streams (default 60 s). */
  readonly idleTimeoutMs?: number;
  readonly progress?: ByteProgress;
  readonly label?: string;
}

/** Downloads `url` to `dest`; returns the byte count. On failure `dest` is removed and E_DATA_FETCH thrown. */
export async function downloadToFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<number> {
  const progress = opts.progress ?? silentProgress;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new RanasError('E_DATA_FETCH', `no response within ${opts.connectTimeoutMs ?? 10_000} ms`)), opts.connectTimeoutMs ?? 10_000);
  let started = false;
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new RanasError('E_DATA_FETCH', `HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('content-length') ?? NaN);
    const idleMs = opts.idleTimeoutMs ?? 60_000;
    const resetIdle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new RanasError('E_DATA_FETCH', `no data for ${idleMs} ms`)), idleMs);
    };
    resetIdle();
    progress.start(opts.label ?? url, Number.isFinite(total) ? total : null);
    started = true;
    const out = createWriteStream(dest);
    let bytes = 0;
    try {
      for await (const chunk of res.body) {
        resetIdle();
        bytes += chunk.length;
        progress.add(chunk.length);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    if (Number.isFinite(total) && bytes !== total) throw new RanasError('E_DATA_FETCH', `got ${bytes} bytes, the server announced ${total}`);
    return bytes;
  } catch (e) {
    await rm(dest, { force: true });
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${errorMessage(e.cause)}` : '';
    const reason = controller.signal.aborted ? errorMessage(controller.signal.reason) : `${errorMessage(e)}${cause}`;
    throw new RanasError('E_DATA_FETCH', `download of ${url} failed: ${reason}`, { url });
  } finally {
    clearTimeout(timer);
    if (started) progress.stop();
  }
}
