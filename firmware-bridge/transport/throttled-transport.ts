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

/** A slice of bytes and when it has finished crossing the line (ms, performance.now clock). */
interface InFlight {
  slice: Buffer;
  dueMs: number;
  deliver: (slice: Buffer) => void;
}

/**
 * One direction of the line: slices are queued at the line rate and delivered in order by one timer. (A timer
 * per slice reordered them when the event loop lagged: Node times a timer from the loop's cached clock, so
 * timers armed late in a long loop turn fire early, before slices armed earlier — corrupted frames and flashes
 * stalled on retransmit timeouts on a loaded machine; throttled-transport.test.ts.)
 */
class Line {
  private freeAtMs = 0;
  private readonly queue: InFlight[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly bytesPerMs: number) {}

  /** Schedules `bytes`; returns the time (ms, performance.now clock) the last byte is on the far side. */
  send(bytes: Buffer, deliver: (slice: Buffer) => void): number {
    for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
      const slice = bytes.subarray(at, at + SLICE_BYTES);
      this.freeAtMs = Math.max(this.freeAtMs, performance.now()) + slice.length / this.bytesPerMs;
      this.queue.push({ slice, dueMs: this.freeAtMs, deliver });
    }
    this.arm();
    return this.freeAtMs;
  }

  private arm(): void {
    if (this.timer || this.head === this.queue.length) return;
    this.timer = setTimeout(() => this.deliverDue(), Math.max(0, this.queue[this.head].dueMs - performance.now()));
  }

  /** Delivers every slice that is due, oldest first, then waits for the next one. */
  private deliverDue(): void {
    this.timer = undefined;
    const nowMs = performance.now();
    while (this.head < this.queue.length && this.queue[this.head].dueMs <= nowMs) {
      const { slice, deliver } = this.queue[this.head++];
      deliver(slice);
    }
    if (this.head === this.queue.length) { this.queue.length = 0; this.head = 0; }
    this.arm();
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
    inner.on('data', (b) => this.in.send(Buffer.from(b), (s) => this.receive(s))); // kept past the event: copied
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
