/**
 * The device side of a flash: the bundle tar is staged at `<stagingDir>/<sha256>.part`, chunk by chunk in
 * order; a chunk at any other offset than the staged length is not written (the host rewinds to the
 * returned offset). Staging survives disconnects and restarts, so a FlashBegin with `resume` for the same
 * sha256 continues from the staged length. At commit the whole file's sha256 and HMAC-SHA256 (device key)
 * are checked before the agent installs it; a file that fails is deleted, never installed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';
import type { FlashAckMsg, FlashBeginMsg, FlashChunkMsg } from '../messages.ts';

/** Largest bundle accepted by default, in bytes (256 MiB). */
export const DEFAULT_MAX_BUNDLE_BYTES = 256 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/**
 * Acknowledged chunks are gathered in memory and written to the staging file in one positional `writev` per
 * this many bytes (256 KiB): each file write is a hop to libuv's thread pool, which costs the link's event
 * loop more than the copy itself, so one write per several chunks (four of 64 KiB) instead of one per chunk.
 */
const STAGING_FLUSH_BYTES = 256 * 1024;
/** Gathered writes that may be queued at once (memory bound: this × STAGING_FLUSH_BYTES, plus one gathering). */
const MAX_QUEUED_WRITES = 4;
const PART_SUFFIX = '.part';

/** Serialises file work per staging folder across connections (a reconnect opens a new session). */
const stagingLocks = new Map<string, Promise<unknown>>();
export function withStagingLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const previous = stagingLocks.get(dir) ?? Promise.resolve();
  const next = previous.then(work, work);
  stagingLocks.set(dir, next.catch(() => undefined));
  return next;
}

export interface FlashSessionOptions {
  stagingDir: string;
  keyBytes: Buffer | null;
  maxBundleBytes: number;
  /** Called with each accepted chunk's bytes once they are written (or failed to be): the session is done with them. */
  releaseChunk?: (data: Buffer) => void;
}

interface Staging {
  begin: FlashBeginMsg;
  file: string;
  handle: fs.FileHandle;
  /** Bytes accepted (written, queued for writing, or gathered; in order). */
  stagedBytes: number;
  /** Accepted chunks not yet handed to a write; they start at file offset `stagedBytes - gatheredBytes`. */
  gathered: Buffer[];
  gatheredBytes: number;
  /** The chain of queued file writes; a failed write fails every later step of this session. */
  writes: Promise<void>;
  /** Writes queued and not yet finished. */
  pendingWrites: number;
  /** The first failed write's error, reported by the next chunk or the commit. */
  writeError?: unknown;
}

/**
 * Hands the gathered chunks to one positional write, queued after the earlier ones (in file order); their
 * buffers go to `release` once the write is over.
 */
function flushGathered(s: Staging, stagingDir: string, release?: (data: Buffer) => void): void {
  if (s.gatheredBytes === 0) return;
  const buffers = s.gathered;
  const bytes = s.gatheredBytes;
  const position = s.stagedBytes - bytes;
  s.gathered = [];
  s.gatheredBytes = 0;
  s.pendingWrites++;
  // The staging lock runs work in call order, so this write lands after the session's earlier ones.
  s.writes = withStagingLock(stagingDir, async () => {
    if (s.writeError) return; // an earlier write failed: nothing after it may land in the file
    const { bytesWritten } = await s.handle.writev(buffers, position);
    if (bytesWritten !== bytes) {
      throw new RanasError('E_STAGING_WRITE', `staging write at offset ${position} wrote ${bytesWritten} of ${bytes} bytes to ${s.file}`);
    }
  })
    .catch((e: unknown) => { s.writeError ??= e; })
    .finally(() => {
      s.pendingWrites--;
      if (release) for (const b of buffers) release(b);
    });
}

/** Hex sha256 and raw HMAC-SHA256 of a file, streamed. */
async function digestFile(file: string, key: Buffer): Promise<{ sha256: string; hmac: Buffer }> {
  const sha = createHash('sha256');
  const mac = createHmac('sha256', key);
  for await (const chunk of createReadStream(file)) {
    sha.update(chunk as Buffer);
    mac.update(chunk as Buffer);
  }
  return { sha256: sha.digest('hex'), hmac: mac.digest() };
}

export class FlashSession {
  private staging: Staging | undefined;

  constructor(private readonly opts: FlashSessionOptions) {}

  /** Validates and opens (or resumes) the staging file; answers with the staged length. */
  async begin(begin: FlashBeginMsg): Promise<FlashAckMsg> {
    const { keyBytes, maxBundleBytes, stagingDir } = this.opts;
    if (!keyBytes) throw new RanasError('E_FLASH_DISABLED', 'flashing is disabled on this device: the agent was started without --key-file');
    if (begin.auth.length !== 32) {
      throw new RanasError('E_AUTH_REQUIRED', `flash refused: auth must be a 32-byte HMAC-SHA256 of the bundle with the device key, got ${begin.auth.length} bytes`);
    }
    if (!SHA256_HEX.test(begin.sha256)) throw new RanasError('E_BAD_MESSAGE', `flashBegin: sha256 must be 64 lowercase hex digits, got '${begin.sha256.slice(0, 80)}'`);
    if (begin.totalBytes === 0 || begin.totalBytes > maxBundleBytes) {
      throw new RanasError('E_BUNDLE_TOO_LARGE', `flashBegin: bundle of ${begin.totalBytes} bytes refused; expected 1..${maxBundleBytes} bytes`);
    }
    await this.closeHandle();
    return withStagingLock(stagingDir, async () => {
      await fs.mkdir(stagingDir, { recursive: true });
      const file = path.join(stagingDir, `${begin.sha256}${PART_SUFFIX}`);
      // Only one flash is staged at a time: drop leftovers of other bundles.
      for (const name of await fs.readdir(stagingDir)) {
        if (name.endsWith(PART_SUFFIX) && path.join(stagingDir, name) !== file) await fs.rm(path.join(stagingDir, name), { force: true });
      }
      let stagedBytes = 0;
      if (begin.resume) stagedBytes = await fs.stat(file).then((s) => s.size, () => 0);
      if (stagedBytes > begin.totalBytes) stagedBytes = 0;
      const handle = await fs.open(file, stagedBytes > 0 ? 'r+' : 'w+');
      if (stagedBytes === 0) await handle.truncate(0);
      this.staging = { begin, file, handle, stagedBytes, gathered: [], gatheredBytes: 0, writes: Promise.resolve(), pendingWrites: 0 };
      return { nextOffset: stagedBytes, totalBytes: begin.totalBytes };
    });
  }

  /**
   * Appends a chunk if it starts at the staged length; always answers with the staged length. The chunk is
   * gathered and written with its neighbours (in order) rather than awaited, so the disk does not stall the
   * link; commit and the end of the session flush and wait for the writes, and a resume after a crash asks
   * the file's real size, so an acknowledged-but-unwritten tail is resent.
   */
  async chunk(chunk: FlashChunkMsg): Promise<FlashAckMsg> {
    const s = this.requireStaging('flashChunk');
    const { totalBytes } = s.begin;
    if (chunk.offset !== s.stagedBytes) return { nextOffset: s.stagedBytes, totalBytes };
    if (chunk.offset + chunk.data.length > totalBytes) {
      throw new RanasError('E_BAD_CHUNK', `flashChunk: bytes ${chunk.offset}..${chunk.offset + chunk.data.length} run past the bundle's ${totalBytes} bytes`);
    }
    if (s.pendingWrites >= MAX_QUEUED_WRITES) {
      await s.writes; // bounds memory held by queued chunks
      if (this.staging !== s) throw new RanasError('E_NO_FLASH', 'flashChunk: the flash session ended while the chunk waited for the staging writes');
    }
    if (s.writeError) throw s.writeError;
    // The decoder's frames own their bytes (see FrameDecoder), so the chunk is kept without a copy.
    s.gathered.push(chunk.data);
    s.gatheredBytes += chunk.data.length;
    s.stagedBytes += chunk.data.length;
    if (s.gatheredBytes >= STAGING_FLUSH_BYTES || s.stagedBytes === totalBytes) flushGathered(s, this.opts.stagingDir, this.opts.releaseChunk);
    return { nextOffset: s.stagedBytes, totalBytes };
  }

  /**
   * Verifies the staged bundle and hands it to `install`. Deletes the staged file whatever the outcome, except for
   * an incomplete flash (which stays resumable).
   */
  async commit(sha256: string, install: (file: string) => Promise<void>): Promise<void> {
    const s = this.requireStaging('flashCommit');
    if (sha256 !== s.begin.sha256) throw new RanasError('E_BAD_MESSAGE', `flashCommit for ${sha256.slice(0, 12)}… but the flash in progress is ${s.begin.sha256.slice(0, 12)}…`);
    if (s.stagedBytes !== s.begin.totalBytes) {
      throw new RanasError('E_FLASH_INCOMPLETE', `flashCommit after ${s.stagedBytes} of ${s.begin.totalBytes} bytes`);
    }
    flushGathered(s, this.opts.stagingDir, this.opts.releaseChunk);
    await s.writes;
    if (s.writeError) throw s.writeError;
    await this.closeHandle();
    try {
      const digest = await digestFile(s.file, this.opts.keyBytes ?? Buffer.alloc(0));
      if (digest.sha256 !== s.begin.sha256) {
        throw new RanasError('E_CHECKSUM', `staged bundle has sha256 ${digest.sha256}, expected ${s.begin.sha256}`);
      }
      if (!timingSafeEqual(digest.hmac, s.begin.auth)) {
        throw new RanasError('E_AUTH_FAILED', 'flash refused: the HMAC does not match the device key (wrong key or tampered bundle)');
      }
      await install(s.file);
    } finally {
      await withStagingLock(this.opts.stagingDir, () => fs.rm(s.file, { force: true }));
    }
  }

  /** Drops the staged bytes of the flash in progress (or of `sha256` when none is). */
  async abort(sha256: string): Promise<FlashAckMsg> {
    const target = this.staging?.begin.sha256 ?? sha256;
    await this.closeHandle();
    if (SHA256_HEX.test(target)) {
      const file = path.join(this.opts.stagingDir, `${target}${PART_SUFFIX}`);
      await withStagingLock(this.opts.stagingDir, () => fs.rm(file, { force: true }));
    }
    return { nextOffset: 0, totalBytes: 0 };
  }

  /**
   * Ends the session (on disconnect or a new begin): gathered chunks are written and the file closed, in
   * the staging folder's lock order (queued before this returns its promise), so a resume that follows —
   * on this connection or a new one — sees every byte this session acknowledged.
   */
  async closeHandle(): Promise<void> {
    const s = this.staging;
    this.staging = undefined;
    if (!s) return;
    flushGathered(s, this.opts.stagingDir, this.opts.releaseChunk);
    await withStagingLock(this.opts.stagingDir, () => s.handle.close()).catch(() => undefined);
  }

  private requireStaging(what: string): Staging {
    if (!this.staging) throw new RanasError('E_NO_FLASH', `${what} without a flashBegin on this connection`);
    return this.staging;
  }
}
