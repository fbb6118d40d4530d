/**
 * FrameDecoder: a Transform stream from raw link bytes to `Frame` objects. It splits on SLIP END, so it
 * resynchronises at the next END after any garbage; frames with a bad CRC, bad escapes, or more than
 * `maxFrameBytes` of (unescaped) body are dropped and counted in `stats`. Memory is bounded: a frame that
 * grows past the limit is discarded until its END instead of being buffered.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { RanasError } from '../../src/errors.ts';
import { SLIP_END, slipUnescapeInPlace } from './slip.ts';
import type { BufferPool } from './buffer-pool.ts';
import { FRAME_OVERHEAD_BYTES, parseFrameBody, type Frame, type FrameDropReason } from './frame.ts';

export interface FrameDecoderOptions extends TransformOptions {
  /** Largest unescaped frame body accepted (header + payload + CRC), in bytes. Default 256 KiB. */
  maxFrameBytes?: number;
  /**
   * Where big frame bodies are taken from; whoever ends up holding a frame's bytes may give them back to it
   * (the device's flash session does, once a chunk is on disk). Default: fresh memory for every frame.
   */
  bodyPool?: BufferPool;
}

/** Counters of what the decoder saw. */
export type FrameDecoderStats = Record<FrameDropReason | 'frames' | 'bytesIn', number>;

export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;

export class FrameDecoder extends Transform {
  readonly maxFrameBytes: number;
  readonly stats: FrameDecoderStats = { frames: 0, bytesIn: 0, runt: 0, badCrc: 0, badVersion: 0, badKind: 0, badEscape: 0, oversize: 0 };
  /**
   * Escaped bytes of the frame being received, copied out of the received pieces (a transport may reuse a
   * piece's memory once its `data` event is over). Grows as needed up to 2 × max (a frame's largest escaped
   * size) and is reused for every frame.
   */
  private pending = Buffer.allocUnsafe(4096);
  private pendingBytes = 0;
  /** True while skipping the rest of an oversize frame. */
  private discarding = false;

  private readonly bodyPool: BufferPool | undefined;

  constructor({ maxFrameBytes = DEFAULT_MAX_FRAME_BYTES, bodyPool, ...options }: FrameDecoderOptions = {}) {
    super({ ...options, readableObjectMode: true });
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < FRAME_OVERHEAD_BYTES) {
      throw new RanasError('E_BAD_OPTION', `maxFrameBytes must be an integer ≥ ${FRAME_OVERHEAD_BYTES}, got ${maxFrameBytes}`);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.bodyPool = bodyPool;
  }

  /**
   * Where `feed` delivers frames: the stream's readable side by default. A FrameLink sets its own sink and
   * calls `feed` directly, which spares every received piece (a tty read is at most 4 KiB) a round through
   * the Writable and Readable machinery.
   */
  onFrame: (frame: Frame) => void = (frame) => { this.push(frame); };

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    this.feed(chunk);
    cb();
  }

  /** Decodes received bytes synchronously, handing each complete valid frame to `onFrame`. */
  feed(chunk: Buffer): void {
    this.stats.bytesIn += chunk.length;
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(SLIP_END, start);
      if (end < 0) { this.accumulate(chunk.subarray(start)); break; }
      this.accumulate(chunk.subarray(start, end));
      this.finishFrame();
      start = end + 1;
    }
  }

  override _flush(cb: TransformCallback): void {
    this.pendingBytes = 0;
    cb();
  }

  private accumulate(part: Buffer): void {
    if (part.length === 0 || this.discarding) return;
    // An escaped frame is at most twice its body; anything longer cannot be a valid frame.
    const needed = this.pendingBytes + part.length;
    if (needed > 2 * this.maxFrameBytes) {
      this.discarding = true;
      this.pendingBytes = 0;
      return;
    }
    if (needed > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.min(2 * this.maxFrameBytes, Math.max(needed, 2 * this.pending.length)));
      this.pending.copy(grown, 0, 0, this.pendingBytes);
      this.pending = grown;
    }
    this.pendingBytes += part.copy(this.pending, this.pendingBytes);
  }

  private finishFrame(): void {
    if (this.discarding) {
      this.discarding = false;
      this.stats.oversize++;
      return;
    }
    if (this.pendingBytes === 0) return; // back-to-back END bytes: an empty frame, not an error
    // Each frame gets its own body (from the pool when one is set), so emitted frames own their bytes; the
    // escapes are then undone inside it.
    const escaped = this.bodyPool ? this.bodyPool.take(this.pendingBytes) : Buffer.allocUnsafe(this.pendingBytes);
    this.pending.copy(escaped, 0, 0, this.pendingBytes);
    this.pendingBytes = 0;
    const body = slipUnescapeInPlace(escaped);
    const frame = !body ? 'badEscape' : body.length > this.maxFrameBytes ? 'oversize' : parseFrameBody(body);
    if (typeof frame === 'string') {
      this.stats[frame]++;
      this.bodyPool?.release(escaped);
      return;
    }
    this.stats.frames++;
    this.onFrame(frame);
  }
}
