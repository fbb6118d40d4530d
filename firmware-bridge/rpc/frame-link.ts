/**
 * FrameLink: a transport with a FrameDecoder on its receive side and the frame encoder on its send side.
 * Both the host client and the device server sit on one.
 */
import { EventEmitter } from 'node:events';
import { FrameDecoder, DEFAULT_MAX_FRAME_BYTES, type FrameDecoderStats } from '../framing/frame-decoder.ts';
import { encodeFrame, type Frame } from '../framing/frame.ts';
import { BufferPool } from '../framing/buffer-pool.ts';
import type { Transport } from '../transport/transport.ts';

export interface FrameLinkEvents {
  frame: [frame: Frame];
  close: [error: Error | undefined];
}

export class FrameLink extends EventEmitter<FrameLinkEvents> {
  private readonly decoder: FrameDecoder;
  framesOut = 0;

  /** Big received frame bodies come from here; a holder done with one may give it back (see FrameDecoder). */
  readonly bodyPool = new BufferPool();

  constructor(readonly transport: Transport, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    super();
    this.decoder = new FrameDecoder({ maxFrameBytes, bodyPool: this.bodyPool });
    this.decoder.onFrame = (f) => this.emit('frame', f);
    transport.on('data', (b) => this.decoder.feed(b));
    transport.once('close', (e) => this.emit('close', e));
  }

  get isOpen(): boolean {
    return this.transport.isOpen;
  }

  /** Counters of the receive side (frames, CRC errors, oversize, ...). */
  get decoderStats(): FrameDecoderStats {
    return this.decoder.stats;
  }

  /** Sends already-encoded frame bytes (used to replay a cached response). */
  sendRaw(wire: Buffer): Promise<void> {
    this.framesOut++;
    return this.transport.write(wire);
  }

  send(frame: Frame): Promise<void> {
    return this.sendRaw(encodeFrame(frame));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
