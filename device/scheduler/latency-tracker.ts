/**
 * Live latency tails (of segments, or of the request overhead phases). The profile's p99 is measured once
 * (at install/start); on a device, the tail moves
 * afterwards — thermal throttling on a Pi, other processes — and a stale p99 turns into deadline misses.
 * The tracker keeps the last `window` measured times of every segment and, every `every` observations,
 * sets the prediction to max(profile p99, p99 of the window): it only ever becomes more cautious than
 * the profile, never less (a miss is worse than stopping one exit early).
 */
import { quantile } from '../profiler.ts';

/** Defaults: a 256-run window, refreshed every 32 runs of a segment. */
export const DEFAULT_TRACK_WINDOW = 256;
export const DEFAULT_TRACK_EVERY = 32;

export class LatencyTracker {
  /** Current predicted p99 per segment, µs (read by the scheduler). */
  readonly p99Us: number[];
  private readonly windows: Float64Array[];
  private readonly counts: number[];

  constructor(private readonly profileP99Us: readonly number[], private readonly window = DEFAULT_TRACK_WINDOW, private readonly every = DEFAULT_TRACK_EVERY) {
    this.p99Us = [...profileP99Us];
    this.windows = profileP99Us.map(() => new Float64Array(window));
    this.counts = profileP99Us.map(() => 0);
  }

  /** Records one measured run of segment `k`. */
  observe(k: number, us: number): void {
    const n = this.counts[k]++;
    this.windows[k][n % this.window] = us;
    if ((n + 1) % this.every !== 0 || n + 1 < this.window / 2) return;
    const filled = Math.min(n + 1, this.window);
    const sorted = this.windows[k].slice(0, filled).sort(); // a typed array sorts numerically
    this.p99Us[k] = Math.max(this.profileP99Us[k], quantile(sorted, 0.99));
  }
}
