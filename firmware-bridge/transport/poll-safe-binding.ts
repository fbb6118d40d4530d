/**
 * A serialport binding for Unix ports that does its I/O on the event loop:
 *  - Reads and writes are non-blocking system calls made right on the event loop, and a port that has no
 *    data (or no room) waits on bindings-cpp's poller (uv_poll) for readiness. The stock binding hands every
 *    read and write to libuv's thread pool instead; a tty read returns at most 4 KiB, so at pty speeds each
 *    4 KiB cost two thread hand-offs (futex wake-ups) and a round of promises, which was most of the CPU of a
 *    serial reader (measured: 0.98 s of CPU to read 32 MiB from a pty; bench/bridge.ts for the figures now).
 *  - It works around a full-duplex stall in @serialport/bindings-cpp 13: its Poller restarts uv_poll with
 *    only the newest event (`uv_poll_start(handle, events, …)` instead of the accumulated set), so when a
 *    write waits for "writable" and a read then waits for "readable", the write's interest is lost and both
 *    ends wait forever. Every poll here asks for all events still awaited.
 * Ports without a recognisable poller or fd (Windows) keep the stock binding's I/O.
 */
import fs from 'node:fs';
import { autoDetect, type BindingInterface, type BindingPortInterface, type OpenOptions, type PortInfo, type SetOptions, type UpdateOptions, type PortStatus } from '@serialport/bindings-cpp';
import { RanasError } from '../../src/errors.ts';

const base: BindingInterface = autoDetect();

/** errno codes that mean "try again when the poller says so". */
const RETRY_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
/** errno codes that mean the device went away (as the stock binding marks them). */
const DISCONNECT_CODES = new Set(['EBADF', 'ENXIO', 'EIO', 'UNKNOWN']);

function errnoCode(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** The part of bindings-cpp's Poller we use (an EventEmitter with `poll(flags)`). */
interface PollerLike {
  poll(flags: number): void;
  on(event: 'readable', listener: (error: Error | null) => void): unknown;
  off(event: 'readable', listener: (error: Error | null) => void): unknown;
  once(event: 'readable' | 'writable', listener: (error: Error | null) => void): unknown;
  listenerCount(event: string): number;
}
const UV_READABLE = 0b01;
const UV_WRITABLE = 0b10;

function isPollerLike(x: unknown): x is PollerLike {
  return typeof x === 'object' && x !== null && ['poll', 'on', 'off', 'once', 'listenerCount'].every((m) => m in x && typeof (x as Record<string, unknown>)[m] === 'function');
}

/** Makes every poll include the events other waiters still need (the fix for the lost-interest stall). */
function fixPoller(port: BindingPortInterface): PollerLike | undefined {
  const poller: unknown = 'poller' in port ? port.poller : undefined;
  if (!isPollerLike(poller)) return undefined;
  const poll = poller.poll.bind(poller);
  poller.poll = (flags: number) => {
    const pending = (poller.listenerCount('readable') > 0 ? UV_READABLE : 0) | (poller.listenerCount('writable') > 0 ? UV_WRITABLE : 0);
    poll(flags | pending);
  };
  return poller;
}

/** The fd of a Unix port binding (Linux/Darwin expose `fd`; Windows has none). */
function fdOf(port: BindingPortInterface): number | undefined {
  return 'fd' in port && typeof port.fd === 'number' ? port.fd : undefined;
}

/** True for the stock binding's "port closed while waiting" error. */
function isCanceledError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'canceled' in e && e.canceled === true;
}

/** A failed read or write: marked `disconnect` like the stock binding's, so the stream reports a disconnect. */
function ioError(e: unknown): Error {
  const error = e instanceof Error ? e : new RanasError('E_LINK_CLOSED', String(e));
  if (DISCONNECT_CODES.has(errnoCode(e) ?? '')) Object.assign(error, { disconnect: true });
  return error;
}

export class PollSafePort implements BindingPortInterface {
  /** Set when reads and writes run on the event loop (a Unix port with a poller). */
  private readonly loop: { fd: number; poller: PollerLike } | undefined;

  constructor(private readonly inner: BindingPortInterface) {
    const poller = fixPoller(inner);
    const fd = fdOf(inner);
    this.loop = poller && fd !== undefined ? { fd, poller } : undefined;
  }
  get openOptions(): Required<OpenOptions> { return this.inner.openOptions; }
  get isOpen(): boolean { return this.inner.isOpen; }
  set isOpen(_: boolean) { /* read-only view of the inner port */ }
  close(): Promise<void> { return this.inner.close(); }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    return this.inner.read(buffer, offset, length);
  }

  write(buffer: Buffer): Promise<void> {
    return this.loop ? this.loopWrite(this.loop, buffer) : this.inner.write(buffer);
  }

  /**
   * Reads continuously into `buffer` (from its start each time) and calls `onData` with the byte count of
   * every read, until the port closes (`onEnd()`) or a read fails (`onEnd(error)`). On a Unix port this is
   * one poller listener and a non-blocking read per readiness — no promise, closure or result object per
   * read, which is most of what a 4 KiB tty read cost in JavaScript; elsewhere it loops on `read`.
   */
  startReading(buffer: Buffer, onData: (bytesRead: number) => void, onEnd: (error?: Error) => void): void {
    if (!this.loop) { void this.readWithPromises(buffer, onData, onEnd); return; }
    const { fd, poller } = this.loop;
    const end = (error?: Error) => { poller.off('readable', onReadable); onEnd(error); };
    const onReadable = (e: Error | null): void => {
      if (e) { end(isCanceledError(e) ? undefined : e); return; }
      if (!this.inner.isOpen) { end(); return; }
      let bytesRead = -1;
      try {
        bytesRead = fs.readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        if (!RETRY_CODES.has(errnoCode(error) ?? '')) { end(ioError(error)); return; }
      }
      // Readable with nothing to read is end of file: the other end hung up (a tty opened with VMIN 1 says
      // EAGAIN, not 0, when it merely has no data). Polling again would report readable forever.
      if (bytesRead === 0) { end(Object.assign(new RanasError('E_LINK_CLOSED', 'the port reached end of file: the other end hung up'), { disconnect: true })); return; }
      if (bytesRead > 0) onData(bytesRead); // may close the port
      if (this.inner.isOpen) poller.poll(UV_READABLE);
      else end();
    };
    poller.on('readable', onReadable);
    poller.poll(UV_READABLE);
  }

  private async readWithPromises(buffer: Buffer, onData: (bytesRead: number) => void, onEnd: (error?: Error) => void): Promise<void> {
    while (this.inner.isOpen) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.inner.read(buffer, 0, buffer.length));
      } catch (e) {
        onEnd(isCanceledError(e) ? undefined : ioError(e));
        return;
      }
      if (bytesRead > 0) onData(bytesRead);
    }
    onEnd();
  }

  update(options: UpdateOptions): Promise<void> { return this.inner.update(options); }
  set(options: SetOptions): Promise<void> { return this.inner.set(options); }
  get(): Promise<PortStatus> { return this.inner.get(); }
  getBaudRate(): Promise<{ baudRate: number }> { return this.inner.getBaudRate(); }
  flush(): Promise<void> { return this.inner.flush(); }
  drain(): Promise<void> { return this.inner.drain(); }

  /** Resolves when the poller reports `event`; rejects with the poller's error (a canceled one on close). */
  private ready(poller: PollerLike, event: 'readable' | 'writable'): Promise<void> {
    return new Promise((resolve, reject) => { poller.once(event, (e) => (e ? reject(e) : resolve())); });
  }

  /** Writes all of `buffer`; when the port takes only part of it, waits for the poller's writable. */
  private async loopWrite({ fd, poller }: { fd: number; poller: PollerLike }, buffer: Buffer): Promise<void> {
    let offset = 0;
    while (offset < buffer.length) {
      if (!this.inner.isOpen) throw new RanasError('E_LINK_CLOSED', 'Port is not open');
      let written = 0;
      try {
        written = fs.writeSync(fd, buffer, offset, buffer.length - offset);
      } catch (e) {
        if (!RETRY_CODES.has(errnoCode(e) ?? '')) throw ioError(e);
      }
      offset += written;
      if (offset < buffer.length) await this.ready(poller, 'writable');
    }
  }
}

export const PollSafeBinding: BindingInterface<PollSafePort, OpenOptions, PortInfo> = {
  list: () => base.list(),
  async open(options: OpenOptions): Promise<PollSafePort> {
    return new PollSafePort(await base.open(options));
  },
};
