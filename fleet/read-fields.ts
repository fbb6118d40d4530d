/**
 * Field readers for validating JSON from the wire: each takes the parsed object, a field name and where the
 * value came from, and returns the typed value or throws E_FLEET_MESSAGE naming the field, what it found
 * and what it expected.
 */
import { RanasError } from '../src/errors.ts';

export type Json = Record<string, unknown>;

function fail(where: string, field: string, found: unknown, expected: string): never {
  const shown = found === undefined ? 'nothing' : JSON.stringify(found)?.slice(0, 80) ?? String(found);
  throw new RanasError('E_FLEET_MESSAGE', `${where}: field '${field}' is ${shown}; expected ${expected}`, { field });
}

/** Parses JSON text or bytes into an object (E_FLEET_MESSAGE otherwise). */
export function parseObject(text: string | Uint8Array, where: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch {
    throw new RanasError('E_FLEET_MESSAGE', `${where}: not valid JSON`);
  }
  return asObject(v, where, '(message)');
}

export function asObject(v: unknown, where: string, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, field, v, 'an object');
  return v as Json;
}

export function str(o: Json, field: string, where: string, pattern?: RegExp): string {
  const v = o[field];
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) fail(where, field, v, pattern ? `a string matching ${pattern}` : 'a string');
  return v;
}

export function optStr(o: Json, field: string, where: string): string | undefined {
  return o[field] === undefined ? undefined : str(o, field, where);
}

export function num(o: Json, field: string, where: string, { min = -Infinity, integer = false } = {}): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) fail(where, field, v, `${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  return v;
}

export function optNum(o: Json, field: string, where: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  return o[field] === undefined ? undefined : num(o, field, where, opts);
}

export function bool(o: Json, field: string, where: string): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') fail(where, field, v, 'true or false');
  return v;
}

/** One of a fixed set of strings (the set is a Record so a new member fails to compile until listed). */
export function oneOf<T extends string>(o: Json, field: string, where: string, members: Record<T, unknown>): T {
  const v = o[field];
  if (typeof v !== 'string' || !Object.hasOwn(members, v)) fail(where, field, v, `one of ${Object.keys(members).join(', ')}`);
  return v as T;
}

export function strings(o: Json, field: string, where: string): string[] {
  const v = o[field];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(where, field, v, 'an array of strings');
  return v as string[];
}

export function numbersRecord(o: Json, field: string, where: string): Record<string, number> {
  const v = asObject(o[field], where, field);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'number') fail(where, `${field}.${k}`, x, 'a number');
  return v as Record<string, number>;
}
