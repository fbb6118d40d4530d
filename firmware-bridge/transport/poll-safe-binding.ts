/**
 * A serialport binding that works around a full-duplex stall in @serialport/bindings-cpp 13 on Unix: its
 * Poller restarts uv_poll with only the newest event (`uv_poll_start(handle, events, …)` instead of the
 * accumulated set), so when a write is waiting for "writable" and a read then waits for "readable", the
 * write's interest is lost and the write never resumes — both ends wait forever. Our protocol always has
 * a read pending while big frames are written, so it hit this on ptys within a few hundred KB.
 * This binding delegates everything to the stock binding and fixes the port's poller so that every poll
 * asks for all events still awaited (readable and/or writable). When a port has no recognisable poller,
 * `write` falls back to retrying EAGAIN on timers instead of waiting on the poller.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import { autoDetect, type BindingInterface, type BindingPortInterface, type OpenOptions, type PortInfo, type SetOptions, type UpdateOptions, type PortStatus } from '@serialport/bindings-cpp';

const fsWrite = promisify(fs.write);
const base: BindingInterface = autoDetect();

/** Spins on setImmediate this many times before backing off to 1 ms timers while the OS buffer is full. */
const IMMEDIATE_RETRIES = 20;

function errnoCode(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** Writes all of `buffer` to a non-blocking fd, retrying EAGAIN without the poller. */
async function writeAll(fd: number, buffer: Buffer, isOpen: () => boolean): Promise<void> {
  let offset = 0;
  let retries = 0;
  while (offset < buffer.length) {
    if (!isOpen()) throw new Error('Port is not open');
    try {
      const { bytesWritten } = await fsWrite(fd, buffer, offset, buffer.length - offset);
      offset += bytesWritten;
      retries = 0;
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw e;
      retries++;
      await new Promise((r) => (retries <= IMMEDIATE_RETRIES ? setImmediate(r) : setTimeout(r, 1)));
    }
  }
}

/** The part of bindings-cpp's Poller we touch (an EventEmitter with `poll(flags)`). */
interface PollerLike {
  poll(flags: number): void;
  listenerCount(event: string): number;
}
const UV_READABLE = 0b01;
const UV_WRITABLE = 0b10;

function isPollerLike(x: unknown): x is PollerLike {
  return typeof x === 'object' && x !== null && 'poll' in x && typeof x.poll === 'function' && 'listenerCount' in x && typeof x.listenerCount === 'function';
}

/** Makes every poll include the events other waiters still need (the fix for the lost-interest stall). */
function fixPoller(port: BindingPortInterface): boolean {
  const poller: unknown = 'poller' in port ? port.poller : undefined;
  if (!isPollerLike(poller)) return false;
  const poll = poller.poll.bind(poller);
  poller.poll = (flags: number) => {
    const pending = (poller.listenerCount('readable') > 0 ? UV_READABLE : 0) | (poller.listenerCount('writable') > 0 ? UV_WRITABLE : 0);
    poll(flags | pending);
  };
  return true;
}

class PollSafePort implements BindingPortInterface {
  private readonly fd: number | undefined;
  constructor(private readonly inner: BindingPortInterface, fd: number | undefined) {
    // With a fixed poller the stock write is right; otherwise write through the fd on timers.
    this.fd = fixPoller(inner) ? undefined : fd;
  }
  get openOptions(): Required<OpenOptions> { return this.inner.openOptions; }
  get isOpen(): boolean { return this.inner.isOpen; }
  set isOpen(_: boolean) { /* read-only view of the inner port */ }
  close(): Promise<void> { return this.inner.close(); }
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> { return this.inner.read(buffer, offset, length); }
  write(buffer: Buffer): Promise<void> {
    return this.fd === undefined ? this.inner.write(buffer) : writeAll(this.fd, buffer, () => this.inner.isOpen);
  }
  update(options: UpdateOptions): Promise<void> { return this.inner.update(options); }
  set(options: SetOptions): Promise<void> { return this.inner.set(options); }
  get(): Promise<PortStatus> { return this.inner.get(); }
  getBaudRate(): Promise<{ baudRate: number }> { return this.inner.getBaudRate(); }
  flush(): Promise<void> { return this.inner.flush(); }
  drain(): Promise<void> { return this.inner.drain(); }
}

/** The fd of a Unix port binding (Linux/Darwin expose `fd`; Windows has none). */
function fdOf(port: BindingPortInterface): number | undefined {
  return 'fd' in port && typeof port.fd === 'number' ? port.fd : undefined;
}

export const PollSafeBinding: BindingInterface<PollSafePort, OpenOptions, PortInfo> = {
  list: () => base.list(),
  async open(options: OpenOptions): Promise<PollSafePort> {
    const port = await base.open(options);
    return new PollSafePort(port, fdOf(port));
  },
};
