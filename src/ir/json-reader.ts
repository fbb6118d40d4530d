/**
 * A small typed reader over parsed JSON (`unknown`): every accessor checks the type and throws a RanasError
 * naming the field path (e.g. `nodes[3].attrs.kernel[1]`) with what was found and what was expected.
 */
import { RanasError, type ErrorCode } from '../errors.ts';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

/** Typed access to one JSON value at `path`. */
export class JsonReader {
  constructor(
    readonly value: unknown,
    readonly path: string,
    private readonly code: ErrorCode,
    private readonly file: string,
  ) {}

  /** Error naming this field. */
  fail(expected: string): RanasError {
    return new RanasError(this.code, `${this.file}: field ${this.path || '(root)'} is ${describe(this.value)}; expected ${expected}`, {
      file: this.file,
      field: this.path,
    });
  }

  private child(value: unknown, key: string | number): JsonReader {
    const path = typeof key === 'number' ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key;
    return new JsonReader(value, path, this.code, this.file);
  }

  /** The value as a plain object. */
  object(): Record<string, unknown> {
    const v = this.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.fail('an object');
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = x;
    return out;
  }

  /** Reader of field `key` (the field may be missing: its value is then `undefined`). */
  get(key: string): JsonReader {
    return this.child(this.object()[key], key);
  }

  /** True when field `key` is present. */
  has(key: string): boolean {
    return this.object()[key] !== undefined;
  }

  /** Readers of the array elements. */
  array(): JsonReader[] {
    const v = this.value;
    if (!Array.isArray(v)) throw this.fail('an array');
    return v.map((x, i) => this.child(x, i));
  }

  string(): string {
    if (typeof this.value !== 'string') throw this.fail('a string');
    return this.value;
  }

  number(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) throw this.fail('a finite number');
    return this.value;
  }

  /** A non-negative integer (or ≥ `min`). */
  int(min = 0): number {
    const v = this.value;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw this.fail(`an integer ≥ ${min}`);
    return v;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') throw this.fail('a boolean');
    return this.value;
  }

  /** One of `allowed`. */
  oneOf<T extends string>(allowed: readonly T[]): T {
    const v = this.value;
    const found = allowed.find((a) => a === v);
    if (found === undefined) throw this.fail(`one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return found;
  }

  /** Two positive integers. */
  pair(): [number, number] {
    const items = this.array();
    if (items.length !== 2) throw this.fail('two positive integers');
    return [items[0].int(1), items[1].int(1)];
  }

  stringArray(): string[] {
    return this.array().map((r) => r.string());
  }

  /** An array of integers ≥ `min`. */
  intArray(min = 0): number[] {
    return this.array().map((r) => r.int(min));
  }
}
