/**
 * The device side of a flash: a FlashBegin is authorised by the device's FlashGuard (MAC over this link's
 * nonce, Ed25519 signature, version, one writer, disk quota) before anything is written; then the bundle tar
 * is staged at `<stagingDir>/<sha256>.part`, chunk by chunk in order; a chunk at any other offset than the
 * staged length is not written (the host rewinds to the returned offset). Staging survives disconnects and
 * restarts, so a FlashBegin with `resume` for the same sha256 continues from the staged length. At commit the
 * file's sha256 is checked against the signed one before the agent installs it; a file that fails is deleted.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';
import type { FlashAckMsg, FlashBeginMsg, FlashChunkMsg, FlashKind } from '../messages.ts';
import type { FlashedBundle } from '../auth/flash-statements.ts';
import { crashPoint } from '../durable/crash-point.ts';
import type { FlashGuard, StagingWriter } from './flash-guard.ts';

/** Largest bundle accepted by default, in bytes (256 MiB). */
export const DEFAULT_MAX_BUNDLE_BYTES = 256 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/**
 * Acknowledged chunks are gathered in memory and written to the staging file in one positional `writev` per
 * this many bytes (256 KiB): each file write is a hop to libuv's thread pool, which costs the link's event
 * loop more than the copy itself, so one write per several chunks (four of 64 KiB) instead of one per chunk.
 */
const STAGING_FLUSH_BYTES = Number(process.env.RANAS_STAGING_FLUSH_BYTES ?? 256 * 1024);
/**
 * Gathered bytes are written at the latest this long after they arrived, ms: a crash or power cut loses at
 * most this much of the acknowledged tail (the host resends it after resuming from the file's size).
 */
const STAGING_FLUSH_MS = 50;
/** Bytes of chunks beyond the staged length kept in memory until the gap before them is filled (512 KiB). */
const MAX_HELD_BYTES = 512 * 1024;
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
  /** The device's flash authority (shared by all its links). */
  guard: FlashGuard;
  /** Who is at the other end of this link (for busy errors and logs). */
  peer: string;
  /** Called with each accepted chunk's bytes once they are written (or failed to be): the session is done with them. */
  releaseChunk?: (data: Buffer) => void;
}

interface Staging {
  begin: FlashBeginMsg;
  bundle: FlashedBundle;
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
  /** Chunks that arrived after a lost one, by offset (selective repeat: only the gap is resent). */
  held: Map<number, Buffer>;
  heldBytes: number;
  /** Writes the gathered bytes STAGING_FLUSH_MS after the first of them arrived. */
  flushTimer?: NodeJS.Timeout;
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
    crashPoint(`stage ${position}+${bytes}`);
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

/** Hex sha256 of a file, streamed. */
async function sha256OfFile(file: string): Promise<string> {
  const sha = createHash('sha256');
  for await (const chunk of createReadStream(file)) sha.update(chunk as Buffer);
  return sha.digest('hex');
}

export class FlashSession implements StagingWriter {
  private staging: Staging | undefined;
  readonly peer: string;

  constructor(private readonly opts: FlashSessionOptions) {
    this.peer = opts.peer;
  }

  /**
   * Authorises the FlashBegin (nothing is written before it passes), claims the device's staging slot, then
   * opens (or resumes) the staging file; answers with the staged length.
   */
  async begin(begin: FlashBeginMsg, nonce: Buffer | undefined): Promise<{ ack: FlashAckMsg; bundle: FlashedBundle }> {
    const { guard, stagingDir } = this.opts;
    const bundle = await guard.authorize(begin, nonce, this.peer);
    await this.closeHandle();
    const file = path.join(stagingDir, `${begin.sha256}${PART_SUFFIX}`);
    let stagedBytes = 0;
    if (begin.resume) stagedBytes = await fs.stat(file).then((s) => s.size, () => 0);
    if (stagedBytes > begin.totalBytes) stagedBytes = 0;
    await guard.claim(this, begin, stagedBytes);
    return withStagingLock(stagingDir, async () => {
      // Only one flash is staged at a time: drop leftovers of other bundles (only now that this one is authorised).
      for (const name of await fs.readdir(stagingDir)) {
        if (name.endsWith(PART_SUFFIX) && path.join(stagingDir, name) !== file) {
          crashPoint(`rm ${name}`);
          await fs.rm(path.join(stagingDir, name), { force: true });
        }
      }
      // Asked again in the lock: writes a previous session queued before this begin have landed now.
      stagedBytes = begin.resume ? await fs.stat(file).then((s) => s.size, () => 0) : 0;
      if (stagedBytes > begin.totalBytes) stagedBytes = 0;
      crashPoint(`open ${path.basename(file)}`);
      const handle = await fs.open(file, stagedBytes > 0 ? 'r+' : 'w+');
      if (stagedBytes === 0) await handle.truncate(0);
      this.staging = { begin, bundle, file, handle, stagedBytes, gathered: [], gatheredBytes: 0, writes: Promise.resolve(), pendingWrites: 0, held: new Map(), heldBytes: 0 };
      return { ack: { nextOffset: stagedBytes, totalBytes: begin.totalBytes }, bundle };
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
    if (chunk.offset + chunk.data.length > totalBytes) {
      throw new RanasError('E_BAD_CHUNK', `flashChunk: bytes ${chunk.offset}..${chunk.offset + chunk.data.length} run past the bundle's ${totalBytes} bytes`);
    }
    if (chunk.offset < s.stagedBytes) return { nextOffset: s.stagedBytes, totalBytes };
    if (chunk.offset > s.stagedBytes) {
      // A chunk before this one was lost: keep this one (bounded) so that only the gap is resent.
      if (s.held.has(chunk.offset) || s.heldBytes + chunk.data.length > MAX_HELD_BYTES) return { nextOffset: s.stagedBytes, totalBytes, held: s.held.has(chunk.offset) };
      s.held.set(chunk.offset, chunk.data);
      s.heldBytes += chunk.data.length;
      return { nextOffset: s.stagedBytes, totalBytes, held: true };
    }
    if (s.pendingWrites >= MAX_QUEUED_WRITES) {
      await s.writes; // bounds memory held by queued chunks
      if (this.staging !== s) throw new RanasError('E_NO_FLASH', 'flashChunk: the flash session ended while the chunk waited for the staging writes');
      if (chunk.offset !== s.stagedBytes) return { nextOffset: s.stagedBytes, totalBytes };
    }
    if (s.writeError) throw s.writeError;
    this.accept(s, chunk.data);
    // The gap is filled: held chunks that now start at the staged length follow; ones it passed are dropped.
    for (let next = s.held.get(s.stagedBytes); next; next = s.held.get(s.stagedBytes)) {
      s.held.delete(s.stagedBytes);
      s.heldBytes -= next.length;
      this.accept(s, next);
    }
    for (const [offset, data] of s.held) {
      if (offset < s.stagedBytes) { s.held.delete(offset); s.heldBytes -= data.length; this.opts.releaseChunk?.(data); }
    }
    return { nextOffset: s.stagedBytes, totalBytes };
  }

  /** Appends bytes at the staged length (gathered; written in order with their neighbours). */
  private accept(s: Staging, data: Buffer): void {
    // The decoder's frames own their bytes (see FrameDecoder), so the chunk is kept without a copy.
    s.gathered.push(data);
    s.gatheredBytes += data.length;
    s.stagedBytes += data.length;
    if (s.gatheredBytes >= STAGING_FLUSH_BYTES || s.stagedBytes === s.begin.totalBytes) {
      clearTimeout(s.flushTimer);
      s.flushTimer = undefined;
      flushGathered(s, this.opts.stagingDir, this.opts.releaseChunk);
    } else {
      s.flushTimer ??= setTimeout(() => {
        s.flushTimer = undefined;
        if (this.staging === s) flushGathered(s, this.opts.stagingDir, this.opts.releaseChunk);
      }, STAGING_FLUSH_MS);
    }
  }

  /**
   * Verifies the staged bundle (sha256 = the signed one) and hands it to `install` with what it is (a bundle or an op pack). Deletes the staged file
   * whatever the outcome, except for an incomplete flash (which stays resumable). Returns what was installed.
   */
  async commit(sha256: string, install: (file: string, kind: FlashKind) => Promise<void>): Promise<FlashedBundle & { kind: FlashKind }> {
    const s = this.requireStaging('flashCommit');
    if (sha256 !== s.begin.sha256) throw new RanasError('E_BAD_MESSAGE', `flashCommit for ${sha256.slice(0, 12)}… but the flash in progress is ${s.begin.sha256.slice(0, 12)}…`);
    if (s.stagedBytes !== s.begin.totalBytes) {
      throw new RanasError('E_FLASH_INCOMPLETE', `flashCommit after ${s.stagedBytes} of ${s.begin.totalBytes} bytes`);
    }
    flushGathered(s, this.opts.stagingDir, this.opts.releaseChunk);
    await s.writes;
    if (s.writeError) throw s.writeError;
    crashPoint(`fsync ${path.basename(s.file)}`);
    await s.handle.sync();
    await this.closeHandle();
    try {
      const digest = await sha256OfFile(s.file);
      if (digest !== s.begin.sha256) {
        throw new RanasError('E_CHECKSUM', `staged bundle has sha256 ${digest}, expected ${s.begin.sha256}`);
      }
      const kind = s.begin.kind ?? 'bundle';
      await install(s.file, kind);
      return { ...s.bundle, kind };
    } finally {
      await withStagingLock(this.opts.stagingDir, async () => {
        crashPoint(`rm ${path.basename(s.file)}`);
        await fs.rm(s.file, { force: true });
      });
    }
  }

  /** Drops the staged bytes of the flash in progress on this link (refused when there is none). */
  async abort(sha256: string): Promise<FlashAckMsg> {
    const s = this.requireStaging('flashAbort');
    if (sha256 !== s.begin.sha256) throw new RanasError('E_BAD_MESSAGE', `flashAbort for ${sha256.slice(0, 12)}… but the flash in progress is ${s.begin.sha256.slice(0, 12)}…`);
    await this.closeHandle();
    await withStagingLock(this.opts.stagingDir, () => fs.rm(s.file, { force: true }));
    return { nextOffset: 0, totalBytes: 0 };
  }

  /**
   * Ends the session (on disconnect, a new begin, or another writer taking over a silent one): gathered
   * chunks are written and the file closed, in the staging folder's lock order (queued before this returns
   * its promise), so a resume that follows — on this connection or a new one — sees every byte acknowledged.
   */
  async closeHandle(): Promise<void> {
    const s = this.staging;
    this.staging = undefined;
    this.opts.guard.release(this);
    if (!s) return;
    clearTimeout(s.flushTimer);
    for (const data of s.held.values()) this.opts.releaseChunk?.(data);
    s.held.clear();
    s.heldBytes = 0;
    flushGathered(s, this.opts.stagingDir, this.opts.releaseChunk);
    await withStagingLock(this.opts.stagingDir, () => s.handle.close()).catch(() => undefined);
  }

  private requireStaging(what: string): Staging {
    if (!this.staging) throw new RanasError('E_NO_FLASH', `${what} without a flashBegin on this connection`);
    if (!this.opts.guard.touch(this)) {
      void this.closeHandle();
      throw new RanasError('E_NO_FLASH', `${what}: this link's flash was taken over by another writer after ${this.peer} went silent`);
    }
    return this.staging;
  }
}
