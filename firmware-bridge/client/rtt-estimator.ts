/**
 * Retransmission timeout from measured round trips, as TCP does (RFC 6298): smoothed RTT plus four times its
 * variation, doubled on every timeout (backoff) until a fresh answer is measured, within [minMs, maxMs].
 */
export class RttEstimator {
  private srttMs: number | undefined;
  private rttvarMs = 0;
  private backoffs = 0;

  /** @param initialMs timeout before any sample (e.g. from the Hello round trip). */
  constructor(private readonly initialMs: number, private readonly minMs = 40, private readonly maxMs = 3000) {}

  /** Records one answered request's round trip (only requests sent once: Karn's rule). */
  sample(rttMs: number): void {
    if (this.srttMs === undefined) {
      this.srttMs = rttMs;
      this.rttvarMs = rttMs / 2;
    } else {
      this.rttvarMs = 0.75 * this.rttvarMs + 0.25 * Math.abs(this.srttMs - rttMs);
      this.srttMs = 0.875 * this.srttMs + 0.125 * rttMs;
    }
    this.backoffs = 0;
  }

  /** A request timed out: the next timeout is twice as long. */
  backOff(): void {
    this.backoffs = Math.min(this.backoffs + 1, 6);
  }

  /** The timeout for the next request, ms. */
  get timeoutMs(): number {
    const base = this.srttMs === undefined ? this.initialMs : this.srttMs + Math.max(4 * this.rttvarMs, 10);
    return Math.min(this.maxMs, Math.max(this.minMs, base) * 2 ** this.backoffs);
  }

  get smoothedMs(): number | undefined {
    return this.srttMs;
  }
}
