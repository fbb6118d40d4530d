/**
 * `--exit-targets-ms` as the search reads it: milliseconds per exit, or one value for the last exit. Kept
 * apart from the constraint (`exit-targets.ts`) so the command line parses it without loading the converters.
 */
import { RanasError } from '../errors.ts';

/** Milliseconds from `--exit-targets-ms a,b,c`; E_LATENCY_TARGETS unless every value is positive. */
export function parseExitTargetsMs(text: string): number[] {
  const values = text.split(',').map((s) => s.trim());
  const ms = values.map((v) => Number(v));
  if (values.some((v) => v === '') || ms.some((x) => !Number.isFinite(x) || x <= 0)) {
    throw new RanasError('E_LATENCY_TARGETS', `--exit-targets-ms is "${text}"; expected positive milliseconds, comma-separated`);
  }
  return ms;
}

/** Targets per exit, µs: one value per exit, or a single value for the last exit only (null = unconstrained). */
export function exitTargetsUs(ms: readonly number[], exits: number): (number | null)[] {
  if (ms.length === 1) return [...Array.from({ length: exits - 1 }, () => null), ms[0] * 1000];
  if (ms.length !== exits) throw new RanasError('E_LATENCY_TARGETS', `--exit-targets-ms has ${ms.length} values; the supernet has ${exits} exits (give one per exit, or one for the last)`);
  return ms.map((x) => x * 1000);
}
