/**
 * A transport throttled to a UART's line rate: at 8N1 every byte costs 10 bit times, so `baudRate` baud
 * carries baudRate / 10 bytes/s in each direction. A pseudo-terminal ignores the baud rate, so benches
 * use this to measure efficiency against a real line rate. Bytes are released in slices as they would
 * finish on the wire; writes resolve once the simulated transmit buffer has room.
 */
import { TransportBase, type Transport } from './transport.ts';

/** Bits on the wire per byte for 8N1 (start + 8 data + stop). */
export const BITS_PER_BYTE_8N1 = 10;
const SLICE_BYTES = 256;
/** Simulated kernel transmit buffer: writes resolve while less than this is queued, in bytes. */
const TX_BUFFER_BYTES = 4096;

/** One direction of the line: schedules slices at the line rate. */
class Line {
  private freeAtMs = 0;
  constructor(private readonly bytesPerMs: number) {}

  /** Schedules `bytes`; returns the time (ms, performance.now clock) the last byte is on the far side. */
  send(bytes: Buffer, deliver: (slice: Buffer) => void): number {
    for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
      const slice = bytes.subarray(at, at + SLICE_BYTES);
      this.freeAtMs = Math.max(this.freeAtMs, performance.now()) + slice.length / this.bytesPerMs;
      setTimeout(() => deliver(slice), Math.max(0, this.freeAtMs - performance.now()));
    }
    return this.freeAtMs;
  }
}

export class ThrottledTransport extends TransportBase {
  readonly description: string;
  private readonly out: Line;
  private readonly in: Line;
  private readonly bufferMs: number;

  constructor(private readonly inner: Transport, readonly baudRate: number) {
    super();
    this.description = `throttled(${inner.description}@${baudRate})`;
    const bytesPerMs = baudRate / BITS_PER_BYTE_8N1 / 1000;
    this.out = new Line(bytesPerMs);
    this.in = new Line(bytesPerMs);
    this.bufferMs = TX_BUFFER_BYTES / bytesPerMs;
    inner.on('data', (b) => this.in.send(b, (s) => this.receive(s)));
    inner.on('close', (e) => this.closed(e));
  }

  async write(bytes: Buffer): Promise<void> {
    const doneAtMs = this.out.send(Buffer.from(bytes), (s) => { this.inner.write(s).catch(() => undefined); });
    const waitMs = doneAtMs - this.bufferMs - performance.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
