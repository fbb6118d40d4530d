/**
 * Serial transport (serialport): a UART (/dev/ttyAMA0 on the Pi, /dev/ttyUSB0 on the host) or the USB CDC
 * gadget (/dev/ttyGS0 on the Pi ↔ /dev/ttyACM0 on the host). Also used on pseudo-terminals in tests.
 * It is serialport's stream over `PollSafeBinding` (see there: a full-duplex stall in the stock binding).
 */
import { SerialPortStream } from '@serialport/stream';
import { PollSafeBinding } from './poll-safe-binding.ts';
import { RanasError } from '../../src/errors.ts';
import { TransportBase } from './transport.ts';

/** Default line rate, in baud (8N1). */
export const DEFAULT_BAUD = 921_600;
/** Queued writes up to this many bytes in all are joined into one port write (small, pooled buffers), in bytes. */
const JOIN_QUEUED_WRITES_BYTES = 4096;

/**
 * serialport's stream, except that writes queued while the port was busy are not joined into one fresh buffer
 * when they are big (flash frames): they go to the port one after another, straight from their own buffers.
 * Joining four 64 KiB frames means a fresh 256 KiB buffer and a copy of every byte, and the port writes in
 * pieces of a few KiB anyway.
 */
class UnjoinedWriteStream extends SerialPortStream {
  override _writev(queued: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (error: Error | null) => void): void {
    const total = queued.reduce((n, q) => n + q.chunk.length, 0);
    if (total <= JOIN_QUEUED_WRITES_BYTES) { super._writev(queued, callback); return; }
    let next = 0;
    const writeNext = (error: Error | null): void => {
      if (error || next === queued.length) { callback(error); return; }
      this._write(queued[next++].chunk, 'binary', writeNext);
    };
    writeNext(null);
  }
}

export class SerialTransport extends TransportBase {
  readonly description: string;
  /** Resolves at the port's next 'drain' while its write buffer is over the high-water mark. */
  private drained: Promise<void> | undefined;

  private constructor(private readonly port: SerialPortStream, path: string, baudRate: number) {
    super();
    this.description = `serial:${path}@${baudRate}`;
    port.on('data', (b: Buffer) => this.receive(b));
    port.on('error', (e: Error) => this.closed(e));
    port.on('close', () => this.closed());
  }

  /** Opens `path` at `baudRate`; throws E_CONNECT naming the port when it cannot be opened. */
  static open(path: string, baudRate = DEFAULT_BAUD): Promise<SerialTransport> {
    return new Promise((resolve, reject) => {
      const port = new UnjoinedWriteStream({ binding: PollSafeBinding, path, baudRate, autoOpen: false });
      port.open((e) => {
        if (e) reject(new RanasError('E_CONNECT', `cannot open serial port ${path} at ${baudRate} baud: ${e.message}`, { path }));
        else resolve(new SerialTransport(port, path, baudRate));
      });
    });
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new RanasError('E_LINK_CLOSED', `${this.description}: write of ${bytes.length} bytes on a closed port`));
        return;
      }
      const ok = this.port.write(bytes, (e) => { if (e) reject(e); });
      if (ok) { resolve(); return; }
      this.drained ??= new Promise<void>((r) => this.port.once('drain', () => { this.drained = undefined; r(); }));
      void this.drained.then(resolve);
    });
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) { this.closed(); return; }
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.closed();
  }
}
