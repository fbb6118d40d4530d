/**
 * Deterministic seeded PRNG: xoshiro128** (Blackman & Vigna) on four uint32 words, seeded through
 * splitmix32. Everything random in ranas (weight init, shuffling, augmentation) draws from an `Rng` so a
 * run is reproducible from its seed, and the state can be saved in a checkpoint and restored exactly.
 */
import { RanasError } from './errors.ts';

/** Serialisable generator state (JSON-safe): four uint32 words. */
export interface RngState {
  readonly kind: 'xoshiro128**';
  readonly s: readonly [number, number, number, number];
}

const TWO_POW_32 = 4294967296;

/** splitmix32 step: turns any 32-bit seed into well-mixed words (also used to derive stream seeds). */
function splitmix32(x: number): [next: number, out: number] {
  const next = (x + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** Mixes a seed and any number of integer stream ids into one uint32 (for derived, independent streams). */
export function mixSeed(seed: number, ...ids: number[]): number {
  let [x, out] = splitmix32(seed >>> 0);
  for (const id of ids) [x, out] = splitmix32((out ^ Math.imul(id >>> 0, 0x27d4eb2d) ^ x) >>> 0);
  return out;
}

/** A xoshiro128** generator. Not cryptographic. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds from an integer (only its low 32 bits matter). */
  constructor(seed = 0) {
    let x = seed >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(x);
      x = next;
      words.push(out);
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Rebuilds a generator from a saved state (validated: four uint32 words, not all zero). */
  static fromState(state: unknown): Rng {
    const s = parseRngState(state).s;
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = s;
    return rng;
  }

  /** A copy of the current state; `Rng.fromState(r.state())` continues the exact same sequence. */
  state(): RngState {
    return { kind: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** An independent copy at the same position. */
  clone(): Rng {
    return Rng.fromState(this.state());
  }

  /** Next uniform uint32 in [0, 2^32). */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ s1) >>> 0;
    this.s1 = (s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.nextFloat();
  }

  /** Unbiased uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RanasError('E_RNG_RANGE', `Rng.int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n); // largest multiple of n that fits
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal sample (Box–Muller; draws exactly two uint32 per call, no cached spare). */
  normal(mean = 0, std = 1): number {
    const u1 = (this.nextU32() + 1) / (TWO_POW_32 + 1); // (0, 1): log never sees 0
    const u2 = this.nextFloat();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** True with probability `p`. */
  bernoulli(p = 0.5): boolean {
    return this.nextFloat() < p;
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Validates an unknown value as an `RngState` (for checkpoints read from disk). */
export function parseRngState(v: unknown): RngState {
  const bad = (why: string) => new RanasError('E_RNG_STATE', `invalid RNG state: ${why}; expected {kind:'xoshiro128**', s:[4 uint32]}`);
  if (typeof v !== 'object' || v === null) throw bad(`found ${v === null ? 'null' : typeof v}`);
  const kind: unknown = Reflect.get(v, 'kind');
  const s: unknown = Reflect.get(v, 's');
  if (kind !== 'xoshiro128**') throw bad(`kind is ${JSON.stringify(kind)}`);
  if (!Array.isArray(s) || s.length !== 4) throw bad('s is not an array of 4');
  const words = s.map((w: unknown) => (typeof w === 'number' && Number.isInteger(w) && w >= 0 && w < TWO_POW_32 ? w : NaN));
  if (words.some((w) => Number.isNaN(w))) throw bad(`s has a non-uint32 word: ${JSON.stringify(s)}`);
  if (words.every((w) => w === 0)) throw bad('all words are zero');
  return { kind: 'xoshiro128**', s: [words[0], words[1], words[2], words[3]] };
}

/**
 * A tiny seeded generator (mulberry32) giving uniform floats in [0, 1), for test data, benchmark inputs and
 * fault-injection plans where a closure is handier than an `Rng` and no state needs saving.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
