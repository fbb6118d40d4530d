/**
 * FrameDecoder: a Transform stream from raw link bytes to `Frame` objects. It splits on SLIP END, so it
 * resynchronises at the next END after any garbage; frames with a bad CRC, bad escapes, or more than
 * `maxFrameBytes` of (unescaped) body are dropped and counted in `stats`. Memory is bounded: a frame that
 * grows past the limit is discarded until its END instead of being buffered.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { RanasError } from '../../src/errors.ts';
import { SLIP_END, slipUnescapeInPlace } from './slip.ts';
import { FRAME_OVERHEAD_BYTES, parseFrameBody, type FrameDropReason } from './frame.ts';

export interface FrameDecoderOptions extends TransformOptions {
  /** Largest unescaped frame body accepted (header + payload + CRC), in bytes. Default 256 KiB. */
  maxFrameBytes?: number;
}

/** Counters of what the decoder saw. */
export type FrameDecoderStats = Record<FrameDropReason | 'frames' | 'bytesIn', number>;

export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;

export class FrameDecoder extends Transform {
  readonly maxFrameBytes: number;
  readonly stats: FrameDecoderStats = { frames: 0, bytesIn: 0, runt: 0, badCrc: 0, badVersion: 0, badKind: 0, badEscape: 0, oversize: 0 };
  /** Escaped bytes of the frame being received (a frame is at most 2 × max escaped). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while skipping the rest of an oversize frame. */
  private discarding = false;

  constructor({ maxFrameBytes = DEFAULT_MAX_FRAME_BYTES, ...options }: FrameDecoderOptions = {}) {
    super({ ...options, readableObjectMode: true });
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < FRAME_OVERHEAD_BYTES) {
      throw new RanasError('E_BAD_OPTION', `maxFrameBytes must be an integer ≥ ${FRAME_OVERHEAD_BYTES}, got ${maxFrameBytes}`);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    this.stats.bytesIn += chunk.length;
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(SLIP_END, start);
      if (end < 0) { this.accumulate(chunk.subarray(start)); break; }
      this.accumulate(chunk.subarray(start, end));
      this.finishFrame();
      start = end + 1;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.pending = [];
    this.pendingBytes = 0;
    cb();
  }

  private accumulate(part: Buffer): void {
    if (part.length === 0 || this.discarding) return;
    // An escaped frame is at most twice its body; anything longer cannot be a valid frame.
    if (this.pendingBytes + part.length > 2 * this.maxFrameBytes) {
      this.discarding = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(part); // no copy: transports hand over buffers they do not reuse (see Transport)
    this.pendingBytes += part.length;
  }

  private finishFrame(): void {
    if (this.discarding) {
      this.discarding = false;
      this.stats.oversize++;
      return;
    }
    if (this.pendingBytes === 0) return; // back-to-back END bytes: an empty frame, not an error
    // Concatenation copies, so emitted frames never alias a buffer the transport still holds; the escapes are
    // then undone inside that copy (one buffer per frame: fresh memory is the decoder's main cost).
    const escaped = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const body = slipUnescapeInPlace(escaped);
    if (!body) { this.stats.badEscape++; return; }
    if (body.length > this.maxFrameBytes) { this.stats.oversize++; return; }
    const frame = parseFrameBody(body);
    if (typeof frame === 'string') { this.stats[frame]++; return; }
    this.stats.frames++;
    this.push(frame);
  }
}
