/**
 * Wave plan of a staged rollout: cumulative percentages of the target devices (default 1, 10, 50, 100),
 * each wave the devices not yet in an earlier one, at least one device per wave, in a seeded shuffle of the
 * targets (so the first wave is a sample of the fleet, not the alphabetically first devices).
 */
import { RanasError } from '../src/errors.ts';
import { mulberry32 } from '../src/rng.ts';

export const DEFAULT_WAVE_PERCENTS: readonly number[] = [1, 10, 50, 100];

/** Parses "1,10,50,100": increasing percentages in (0, 100], ending at 100. */
export function parseWavePercents(text: string): number[] {
  const p = text.split(',').map((s) => Number(s.trim()));
  const ok = p.length > 0 && p.every((x, i) => Number.isFinite(x) && x > 0 && x <= 100 && (i === 0 || x > p[i - 1])) && p[p.length - 1] === 100;
  if (!ok) throw new RanasError('E_FLEET_WAVES', `waves '${text}' are not increasing percentages ending at 100; expected e.g. 1,10,50,100`);
  return p;
}

/** Seeded Fisher-Yates shuffle (a copy). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Splits devices into waves; empty waves (a percentage that adds no device) are dropped. */
export function planWaves(devices: readonly string[], percents: readonly number[], seed: number): { percent: number; devices: string[] }[] {
  const order = shuffled([...devices].sort(), seed);
  const waves: { percent: number; devices: string[] }[] = [];
  let done = 0;
  for (const percent of percents) {
    const upTo = Math.min(order.length, Math.max(done + 1, Math.ceil((percent / 100) * order.length)));
    if (upTo > done) waves.push({ percent, devices: order.slice(done, upTo) });
    done = upTo;
  }
  return waves;
}
