/**
 * Fault injection for link tests: bit flips at a bit error rate, randomly dropped bytes, and forced
 * disconnects after given numbers of bytes written. One `FaultInjector` holds the plan and its counters
 * across reconnects (each new link is wrapped with `wrap`), so "3 disconnects mid-flash" means 3 in total.
 */
import { TransportBase, type Transport } from './transport.ts';
import { seededRandom } from './seeded-random.ts';

export interface FaultPlan {
  /** Probability that any one bit is flipped, in both directions. Default 0. */
  bitErrorRate?: number;
  /** Probability that any one byte is dropped, in both directions. Default 0. */
  dropByteRate?: number;
  /** Cumulative host→device byte counts at which the link is cut (once each). Default none. */
  disconnectAtBytes?: number[];
  /** PRNG seed. Default 1. */
  seed?: number;
}

export interface FaultCounters {
  bitsFlipped: number;
  bytesDropped: number;
  disconnects: number;
  bytesWritten: number;
}

export class FaultInjector {
  readonly counters: FaultCounters = { bitsFlipped: 0, bytesDropped: 0, disconnects: 0, bytesWritten: 0 };
  private readonly random: () => number;
  private readonly bitErrorRate: number;
  private readonly dropByteRate: number;
  private readonly cuts: number[];
  /** Bits until the next flipped bit (geometric), so that the cost is per error, not per bit. */
  private bitsToNextFlip: number;

  constructor(plan: FaultPlan = {}) {
    this.random = seededRandom(plan.seed ?? 1);
    this.bitErrorRate = plan.bitErrorRate ?? 0;
    this.dropByteRate = plan.dropByteRate ?? 0;
    this.cuts = [...(plan.disconnectAtBytes ?? [])].sort((a, b) => a - b);
    this.bitsToNextFlip = this.nextGap(this.bitErrorRate);
  }

  /** Wraps one link. */
  wrap(inner: Transport): FaultInjectingTransport {
    return new FaultInjectingTransport(inner, this);
  }

  /** Returns a damaged copy of `bytes` (flips and drops applied). */
  damage(bytes: Buffer): Buffer {
    let out = Buffer.from(bytes);
    if (this.bitErrorRate > 0) {
      let bit = this.bitsToNextFlip;
      while (bit < out.length * 8) {
        out[bit >> 3] ^= 1 << (bit & 7);
        this.counters.bitsFlipped++;
        bit += 1 + this.nextGap(this.bitErrorRate);
      }
      this.bitsToNextFlip = bit - out.length * 8;
    }
    if (this.dropByteRate > 0) {
      const kept: number[] = [];
      for (const b of out) {
        if (this.random() < this.dropByteRate) this.counters.bytesDropped++;
        else kept.push(b);
      }
      if (kept.length !== out.length) out = Buffer.from(kept);
    }
    return out;
  }

  /** Counts `n` written bytes; true when a planned disconnect falls inside them. */
  shouldCut(n: number): boolean {
    this.counters.bytesWritten += n;
    if (this.cuts.length && this.counters.bytesWritten >= this.cuts[0]) {
      this.cuts.shift();
      this.counters.disconnects++;
      return true;
    }
    return false;
  }

  private nextGap(p: number): number {
    if (p <= 0) return Number.POSITIVE_INFINITY;
    return Math.floor(Math.log(1 - this.random()) / Math.log(1 - p));
  }
}

export class FaultInjectingTransport extends TransportBase {
  readonly description: string;

  constructor(private readonly inner: Transport, private readonly injector: FaultInjector) {
    super();
    this.description = `faulty(${inner.description})`;
    inner.on('data', (b) => this.receive(injector.damage(b)));
    inner.on('close', (e) => this.closed(e));
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.injector.shouldCut(bytes.length)) {
      // Half of the bytes make it out before the cut, like a cable pulled mid-frame.
      await this.inner.write(this.injector.damage(bytes.subarray(0, bytes.length >> 1))).catch(() => undefined);
      await this.inner.close();
      return;
    }
    await this.inner.write(this.injector.damage(bytes));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
