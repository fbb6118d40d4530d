/**
 * Serial transport: a UART (/dev/ttyAMA0 on the Pi, /dev/ttyUSB0 on the host) or the USB CDC gadget
 * (/dev/ttyGS0 on the Pi ↔ /dev/ttyACM0 on the host). Also used on pseudo-terminals in tests.
 * It drives a serialport binding port (`PollSafeBinding`, see there) directly: one read loop that hands
 * each read to `data` listeners, and one queue of writes. serialport's Duplex stream on top of the binding
 * cost a Readable push, a Writable round and their callbacks per read — and a tty read returns at most
 * 4 KiB — which was a large part of a serial link's CPU at pty speeds.
 */
import { PollSafeBinding, type PollSafePort } from './poll-safe-binding.ts';
import { RanasError } from '../../src/errors.ts';
import { TransportBase } from './transport.ts';

import { DEFAULT_BAUD } from './default-baud.ts';
export { DEFAULT_BAUD } from './default-baud.ts';
/** Most bytes one read takes; every read goes into the same buffer (see TransportEvents: listeners copy). */
const READ_BUFFER_BYTES = 64 * 1024;
/** `write` resolves at once while fewer bytes than this are queued ahead; otherwise when its bytes are out. */
const WRITE_HIGH_WATER_BYTES = 64 * 1024;

export class SerialTransport extends TransportBase {
  readonly description: string;
  /** The chain of queued writes (in order; one at a time on the port). */
  private writes: Promise<void> = Promise.resolve();
  private queuedBytes = 0;
  private closing: Promise<void> | undefined;

  private constructor(private readonly port: PollSafePort, path: string, baudRate: number) {
    super();
    this.description = `serial:${path}@${baudRate}`;
    this.startReading();
  }

  /** Opens `path` at `baudRate`; throws E_CONNECT naming the port when it cannot be opened. */
  static async open(path: string, baudRate = DEFAULT_BAUD): Promise<SerialTransport> {
    try {
      return new SerialTransport(await PollSafeBinding.open({ path, baudRate }), path, baudRate);
    } catch (e) {
      throw new RanasError('E_CONNECT', `cannot open serial port ${path} at ${baudRate} baud: ${e instanceof Error ? e.message : String(e)}`, { path });
    }
  }

  write(bytes: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(new RanasError('E_LINK_CLOSED', `${this.description}: write of ${bytes.length} bytes on a closed port`));
    const ahead = this.queuedBytes;
    this.queuedBytes += bytes.length;
    const written = this.writes.then(async () => {
      if (!this.isOpen) throw new RanasError('E_LINK_CLOSED', `${this.description}: port closed before ${bytes.length} queued bytes were written`);
      await this.port.write(bytes);
    }).finally(() => { this.queuedBytes -= bytes.length; });
    this.writes = written.catch((e: unknown) => { this.fail(e); });
    return ahead < WRITE_HIGH_WATER_BYTES ? Promise.resolve() : written;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.port.isOpen) await this.port.close().catch(() => undefined);
      this.closed();
    })();
    return this.closing;
  }

  /**
   * Reads until the port closes; a failed read (the device went away) closes the transport with its error.
   * Every read lands in the same buffer: fresh memory per read cost a page fault per 4 KiB received.
   */
  private startReading(): void {
    const buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
    this.port.startReading(buffer, (bytesRead) => this.receive(buffer.subarray(0, bytesRead)), (e) => { if (e) this.fail(e); });
  }

  /** Ends the link after an I/O error. */
  private fail(e: unknown): void {
    if (!this.isOpen) return;
    const error = e instanceof Error ? e : new RanasError('E_LINK_CLOSED', String(e));
    void (this.port.isOpen ? this.port.close().catch(() => undefined) : Promise.resolve()).then(() => this.closed(error));
  }
}
