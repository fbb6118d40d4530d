/**
 * Per-peer token buckets for refused flash requests: each peer (a TCP peer's address without its port, or a
 * serial port) may have at most `burst` requests refused back to back and `perSecond` on average; once its
 * bucket is empty its next requests are refused with E_RATE_LIMITED before any work (no MAC, no signature
 * check, no file). A host that gets its flashes accepted is never slowed. Buckets of quiet peers are forgotten
 * (bounded memory: at most `maxPeers`).
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

  /** Throws E_RATE_LIMITED when `peer` has no token left. */
  check(peer: string, what: string): void {
    const b = this.refill(peer);
    if (b.tokens < 1) {
      throw new RanasError('E_RATE_LIMITED', `${what} from ${peer} refused: more than ${this.burst} refused requests at once or ${this.perSecond}/s sustained; wait ${((1 - b.tokens) / this.perSecond).toFixed(1)} s`, { peer });
    }
  }

  /** Takes a token from `peer` (one of its requests was refused). */
  charge(peer: string): void {
    const b = this.refill(peer);
    b.tokens = Math.max(0, b.tokens - 1);
  }

  private refill(peer: string): { tokens: number; atMs: number } {
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
    return b;
  }
}

/** The part of a transport description that names the peer, not the connection (TCP: address without port). */
export function peerKeyOf(description: string): string {
  const tcp = /^tcp:(.*):\d+$/.exec(description.replace(/^faulty\(|\)$/g, ''));
  return tcp ? `tcp:${tcp[1]}` : description;
}
