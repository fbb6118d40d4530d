/** Time behind an interface: the real monotonic clock (process.hrtime.bigint) and a fake for tests. */

export interface Clock {
  /** Monotonic time in µs (arbitrary origin). */
  nowUs(): number;
}

const origin = process.hrtime.bigint();

/** The monotonic high-resolution clock. */
export const hrClock: Clock = {
  nowUs: () => Number(process.hrtime.bigint() - origin) / 1000,
};

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private t = 0;

  nowUs(): number {
    return this.t;
  }

  advance(us: number): void {
    this.t += us;
  }
}
