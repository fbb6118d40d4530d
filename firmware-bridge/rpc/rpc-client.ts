/**
 * The host's request side: each request gets a sequence number, is sent, and is re-sent with the SAME
 * sequence number when no answer came within its timeout (the device replays its answer to a repeat
 * instead of executing it twice). An `error` message answers with a RanasError carrying the device's code.
 * At most `maxPending` requests are in flight; more are refused with E_BUSY rather than queued unbounded.
 */
import { errorCodeOf } from '../../src/error-codes.ts';
import { RanasError } from '../../src/errors.ts';
import { encodeFrameParts, type Frame } from '../framing/frame.ts';
import type { BufferPool } from '../framing/buffer-pool.ts';
import { decodeMessage, encodeMessageParts, MESSAGE_TYPE_IDS, messageNameOf } from '../protocol.ts';
import { RESPONSE_OF, type Messages, type RequestName, type ResponseName } from '../messages.ts';
import type { FrameLink } from './frame-link.ts';

export interface RequestOptions {
  /** Time to wait for an answer before re-sending, in ms. */
  timeoutMs?: number;
  /** Sends in total (first + retries) before failing with E_TIMEOUT. */
  attempts?: number;
  /**
   * Pool for the request's wire bytes (flash chunks): given back once answered. An answer means the device
   * received the whole frame, so its first send is off this host; retries send copies, which may still be
   * queued then. A request that fails keeps its buffer (the garbage collector takes it).
   */
  wirePool?: BufferPool;
  /** Called each time the request is sent again after a timeout. */
  onRetry?: () => void;
}

interface Pending {
  expected: ResponseName<RequestName>;
  resolve: (payload: Buffer) => void;
  reject: (e: Error) => void;
}

export interface RpcClientOptions extends RequestOptions {
  /** Most requests in flight at once. Default 64. */
  maxPending?: number;
  /** Source of sequence numbers (shared across reconnects so numbers are never reused). */
  nextSequence: () => number;
}

export class RpcClient {
  readonly stats = { requests: 0, retries: 0, timeouts: 0, strayResponses: 0 };
  private readonly pending = new Map<number, Pending>();
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly maxPending: number;
  private closedError: Error | undefined;

  constructor(readonly link: FrameLink, private readonly opts: RpcClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.attempts = opts.attempts ?? 5;
    this.maxPending = opts.maxPending ?? 64;
    link.on('frame', (f) => this.onFrame(f));
    link.once('close', (e) => {
      this.closedError = new RanasError('E_LINK_CLOSED', `link ${link.transport.description} closed${e ? `: ${e.message}` : ''}`);
      for (const p of this.pending.values()) p.reject(this.closedError);
      this.pending.clear();
    });
  }

  /** Sends one request and resolves with the decoded answer. */
  async request<R extends RequestName>(name: R, body: Messages[R], options: RequestOptions = {}): Promise<Messages[ResponseName<R>]> {
    if (this.closedError) throw this.closedError;
    if (this.pending.size >= this.maxPending) {
      throw new RanasError('E_BUSY', `${this.pending.size} requests already in flight (limit ${this.maxPending})`);
    }
    const expected: ResponseName<R> = RESPONSE_OF[name];
    const sequence = this.opts.nextSequence() >>> 0;
    // A flash chunk's bytes go from the bundle straight into the escaped frame (one copy, see encodeMessageParts).
    const wirePool = options.wirePool;
    const wire = encodeFrameParts('request', sequence, MESSAGE_TYPE_IDS[name], encodeMessageParts(name, body), wirePool && ((n) => wirePool.take(n)));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const attempts = options.attempts ?? this.attempts;
    this.stats.requests++;
    const payload = await new Promise<Buffer>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let sent = 0;
      const finish = () => { clearTimeout(timer); this.pending.delete(sequence); };
      this.pending.set(sequence, {
        expected,
        resolve: (p) => { finish(); resolve(p); },
        reject: (e) => { finish(); reject(e); },
      });
      const attempt = () => {
        if (!this.pending.has(sequence)) return;
        if (sent === attempts) {
          this.stats.timeouts++;
          finish();
          reject(new RanasError('E_TIMEOUT', `no answer to '${name}' (sequence ${sequence}) after ${attempts} sends of ${timeoutMs} ms each`, { sequence }));
          return;
        }
        if (sent > 0) { this.stats.retries++; options.onRetry?.(); }
        sent++;
        this.link.sendRaw(sent > 1 && wirePool ? Buffer.from(wire) : wire).catch(() => undefined); // a dead link is reported by 'close'
        timer = setTimeout(attempt, timeoutMs);
      };
      attempt();
    });
    wirePool?.release(wire);
    return decodeMessage(expected, payload);
  }

  private onFrame(frame: Frame): void {
    if (frame.kind !== 'response') return;
    const p = this.pending.get(frame.sequence);
    if (!p) { this.stats.strayResponses++; return; } // a late answer to a request already answered
    const name = messageNameOf(frame.typeId);
    if (name === 'error') {
      try {
        const err = decodeMessage('error', frame.payload);
        // A code this host does not know (a newer device) keeps its text in details.
        const code = errorCodeOf(err.code);
        p.reject(new RanasError(code ?? 'E_DEVICE', `device: ${err.message}`, code ? { sequence: frame.sequence } : { sequence: frame.sequence, deviceCode: err.code }));
      } catch (e) {
        p.reject(e instanceof Error ? e : new RanasError('E_BAD_MESSAGE', `device error answer could not be read: ${String(e)}`));
      }
      return;
    }
    if (name !== p.expected) {
      p.reject(new RanasError('E_PROTOCOL', `expected '${p.expected}' in answer to sequence ${frame.sequence}, got message type ${frame.typeId} (${name ?? 'unknown'})`));
      return;
    }
    p.resolve(Buffer.from(frame.payload));
  }
}
