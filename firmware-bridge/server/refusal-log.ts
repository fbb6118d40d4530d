/**
 * Refused requests (bad MAC, unknown key, rollback, busy, rate limit) are logged at most once per interval
 * (default 1 s) per device: the first refusal of a quiet period is logged at once; later ones are counted by
 * code and peer and written as one summary line when the interval ends. Hostile traffic costs a line a second,
 * not a line a request.
 */
import type { BridgeLogEvent } from './bridge-log.ts';

export class RefusalLog {
  private counts = new Map<string, number>();
  private peers = new Set<string>();
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Refusals seen since start (all of them, logged or summarised). */
  refused = 0;

  constructor(private readonly log: (e: BridgeLogEvent) => void, private readonly intervalMs = 1000) {}

  /** Records one refusal. */
  record(code: string, peer: string, message: string): void {
    this.refused++;
    if (!this.timer) {
      this.log({ level: 'warn', event: 'flash-refused', message, details: { code, peer } });
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref();
      return;
    }
    this.total++;
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    this.peers.add(peer);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.total === 0) return;
    const byCode = Object.fromEntries(this.counts);
    const peers = [...this.peers];
    this.log({
      level: 'warn', event: 'flash-refused-summary',
      message: `${this.total} more flash requests refused in the last ${this.intervalMs} ms (${Object.entries(byCode).map(([c, n]) => `${c} ×${n}`).join(', ')}) from ${peers.slice(0, 5).join(', ')}${peers.length > 5 ? ` and ${peers.length - 5} more` : ''}`,
      details: { refused: this.total, ...byCode },
    });
    this.counts = new Map();
    this.peers = new Set();
    this.total = 0;
    // A busy interval starts the next one: a steady stream gives one line per interval.
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }
}
