/**
 * Per-peer token buckets: each peer (a TCP peer's address without its port, or a serial port) may start at
 * most `burst` flash requests at once and `perSecond` on average; beyond that the request is refused with
 * E_RATE_LIMITED before any work. Buckets of quiet peers are forgotten (bounded memory: at most `maxPeers`).
 */
import { RanasError } from '../../src/errors.ts';

export interface RateLimitOptions {
  /** Requests allowed back to back. Default 10. */
  burst?: number;
  /** Sustained requests per second. Default 2. */
  perSecond?: number;
  /** Peers remembered at once. Default 1024. */
  maxPeers?: number;
  /** Clock, ms (tests). Default performance.now. */
  nowMs?: () => number;
}

export class PeerRateLimit {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly burst: number;
  private readonly perSecond: number;
  private readonly maxPeers: number;
  private readonly nowMs: () => number;

  constructor(o: RateLimitOptions = {}) {
    this.burst = o.burst ?? 10;
    this.perSecond = o.perSecond ?? 2;
    this.maxPeers = o.maxPeers ?? 1024;
    this.nowMs = o.nowMs ?? (() => performance.now());
  }

  /** Takes a token for `peer` or throws E_RATE_LIMITED. */
  take(peer: string, what: string): void {
    const now = this.nowMs();
    let b = this.buckets.get(peer);
    if (b) {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.atMs) / 1000) * this.perSecond);
      b.atMs = now;
      this.buckets.delete(peer); // re-inserted below: the map's order is least recently seen first
    } else {
      b = { tokens: this.burst, atMs: now };
      if (this.buckets.size >= this.maxPeers) this.buckets.delete(this.buckets.keys().next().value ?? '');
    }
    this.buckets.set(peer, b);
    if (b.tokens < 1) {
      throw new RanasError('E_RATE_LIMITED', `${what} from ${peer} refused: more than ${this.burst} at once or ${this.perSecond}/s sustained; wait ${((1 - b.tokens) / this.perSecond).toFixed(1)} s`, { peer });
    }
    b.tokens -= 1;
  }
}

/** The part of a transport description that names the peer, not the connection (TCP: address without port). */
export function peerKeyOf(description: string): string {
  const tcp = /^tcp:(.*):\d+$/.exec(description.replace(/^faulty\(|\)$/g, ''));
  return tcp ? `tcp:${tcp[1]}` : description;
}
