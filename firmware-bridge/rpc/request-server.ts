/**
 * The device's request side: decodes each request, runs its handler (one at a time, in arrival order),
 * and answers with the same sequence number. Recent answers are cached by sequence number, so a repeated
 * request (the host retrying after a lost answer) gets the cached answer replayed instead of being run
 * twice; a repeat of a request still running is ignored. The queue is bounded: when full, a request is
 * answered at once with E_BUSY (counted as `queueFull`), never silently dropped.
 */
import { RanasError, errorMessage } from '../../src/errors.ts';
import { encodeFrame, type Frame } from '../framing/frame.ts';
import { decodeMessage, encodeMessage, MESSAGE_TYPE_IDS, messageNameOf } from '../protocol.ts';
import { RESPONSE_OF, type Messages, type RequestName, type ResponseName } from '../messages.ts';
import type { FrameLink } from './frame-link.ts';

/** What a handler knows about its request besides the body. */
export interface RequestContext {
  /** When the request's frame arrived, ms (performance.now clock): time queued before the handler counts. */
  arrivedAtMs: number;
}

/** One handler per request message. */
export type RequestHandlers = { [R in RequestName]: (body: Messages[R], ctx: RequestContext) => Promise<Messages[ResponseName<R>]> };

export interface RequestServerOptions {
  /** Answers kept for replay. Default 64. */
  replayCacheSize?: number;
  /** Requests waiting to run. Default 32. */
  maxQueue?: number;
}

export interface RequestServerStats {
  requests: number;
  replays: number;
  duplicatesInFlight: number;
  queueFull: number;
  errorsSent: number;
  unexpectedFrames: number;
}

function isRequestName(name: string | undefined): name is RequestName {
  return name !== undefined && Object.hasOwn(RESPONSE_OF, name);
}

export class RequestServer {
  readonly stats: RequestServerStats = { requests: 0, replays: 0, duplicatesInFlight: 0, queueFull: 0, errorsSent: 0, unexpectedFrames: 0 };
  private readonly cache = new Map<number, Buffer>();
  private readonly queued = new Set<number>();
  private readonly queue: { frame: Frame; arrivedAtMs: number }[] = [];
  private running = false;
  private readonly cacheSize: number;
  private readonly maxQueue: number;

  constructor(private readonly link: FrameLink, private readonly handlers: RequestHandlers, opts: RequestServerOptions = {}) {
    this.cacheSize = opts.replayCacheSize ?? 64;
    this.maxQueue = opts.maxQueue ?? 32;
    link.on('frame', (f) => this.onFrame(f));
    link.once('close', () => { this.queue.length = 0; this.queued.clear(); });
  }

  private onFrame(frame: Frame): void {
    if (frame.kind !== 'request') { this.stats.unexpectedFrames++; return; }
    const cached = this.cache.get(frame.sequence);
    if (cached) {
      this.stats.replays++;
      this.link.sendRaw(cached).catch(() => undefined);
      return;
    }
    if (this.queued.has(frame.sequence)) { this.stats.duplicatesInFlight++; return; }
    if (this.queue.length >= this.maxQueue) {
      this.stats.queueFull++;
      this.stats.errorsSent++;
      const payload = encodeMessage('error', { code: 'E_BUSY', message: `device busy: ${this.queue.length} requests already queued on this link (limit ${this.maxQueue})` });
      this.link.sendRaw(encodeFrame({ kind: 'response', sequence: frame.sequence, typeId: MESSAGE_TYPE_IDS.error, payload })).catch(() => undefined);
      return;
    }
    this.queued.add(frame.sequence);
    this.queue.push({ frame, arrivedAtMs: performance.now() }); // the decoder's frames own their bytes
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      const { frame } = next;
      const wire = await this.answer(frame, next.arrivedAtMs);
      this.cache.set(frame.sequence, wire);
      if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value ?? 0);
      this.queued.delete(frame.sequence);
      // Not awaited: the transport keeps order, and the next request need not wait for this write.
      if (this.link.isOpen) this.link.sendRaw(wire).catch(() => undefined);
    }
    this.running = false;
  }

  /** Runs one request; every failure becomes an `error` answer (never a crash). */
  private async answer(frame: Frame, arrivedAtMs: number): Promise<Buffer> {
    const name = messageNameOf(frame.typeId);
    try {
      if (!isRequestName(name)) {
        throw new RanasError('E_UNKNOWN_MESSAGE', `message type ${frame.typeId} (${name ?? 'unknown'}) is not a request; expected one of ${Object.keys(RESPONSE_OF).join(', ')}`);
      }
      this.stats.requests++;
      return await this.run(name, frame, { arrivedAtMs });
    } catch (e) {
      this.stats.errorsSent++;
      const code = e instanceof RanasError ? e.code : 'E_DEVICE';
      const payload = encodeMessage('error', { code, message: errorMessage(e) });
      return encodeFrame({ kind: 'response', sequence: frame.sequence, typeId: MESSAGE_TYPE_IDS.error, payload });
    }
  }

  private async run<R extends RequestName>(name: R, frame: Frame, ctx: RequestContext): Promise<Buffer> {
    const body = decodeMessage(name, frame.payload);
    const handler: RequestHandlers[R] = this.handlers[name];
    const answer = await handler(body, ctx);
    const responseName: ResponseName<R> = RESPONSE_OF[name];
    return encodeFrame({ kind: 'response', sequence: frame.sequence, typeId: MESSAGE_TYPE_IDS[responseName], payload: encodeMessage(responseName, answer) });
  }
}
