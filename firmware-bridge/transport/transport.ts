/**
 * Transport: a byte pipe to the other end of the link (serial port, TCP socket, in-memory pair, or a
 * wrapper that injects faults or throttles). Everything above it speaks frames and never knows which.
 */
import { EventEmitter } from 'node:events';

/**
 * Events of a transport: received bytes, and the end of the link (with the error that ended it, if any).
 * A `data` buffer is only valid during the listener call: the transport may receive into the same memory
 * afterwards, so a listener copies what it keeps (the frame decoder does; a serial port reuses one buffer).
 */
export interface TransportEvents {
  data: [bytes: Buffer];
  close: [error: Error | undefined];
}

export interface Transport {
  /** Human-readable endpoint, e.g. `serial:/dev/ttyACM0@921600` or `tcp:127.0.0.1:7070`. */
  readonly description: string;
  /** False once closed (by either side). */
  readonly isOpen: boolean;
  /** Writes bytes; resolves when the transport accepted them (backpressure: await before writing more). */
  write(bytes: Buffer): Promise<void>;
  /** Closes the link; resolves once closed. Emits `close` (once) if it was open. */
  close(): Promise<void>;
  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this;
  off<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this;
  once<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this;
}

/** Opens a (new) link to the device; the client calls it again to reconnect after a disconnect. */
export type Connect = () => Promise<Transport>;

/** Shared event plumbing: subclasses call `receive` and `closed`. */
export abstract class TransportBase extends EventEmitter<TransportEvents> implements Transport {
  abstract readonly description: string;
  private open = true;

  get isOpen(): boolean {
    return this.open;
  }

  abstract write(bytes: Buffer): Promise<void>;
  abstract close(): Promise<void>;

  protected receive(bytes: Buffer): void {
    if (this.open) this.emit('data', bytes);
  }

  /** Marks the transport closed and emits `close` the first time only. */
  protected closed(error?: Error): void {
    if (!this.open) return;
    this.open = false;
    this.emit('close', error);
  }
}
