/**
 * Typed errors. Every error the tool raises on purpose is a `RanasError` with a stable `code`, and its
 * message says what was found and what was expected, naming the node, file, field or byte offset.
 */
import type { ErrorCode } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

export class RanasError extends Error {
  /** Stable machine-readable code, e.g. `E_DATA_CORRUPT` (the union is in `error-codes.ts`). */
  readonly code: ErrorCode;
  /** Optional structured details (file, offset, node, ...), for `--json` output and tests. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'RanasError';
    this.code = code;
    this.details = details;
  }
}

/** True when `e` is a RanasError with the given code (or any code when omitted). */
export function isRanasError(e: unknown, code?: ErrorCode): e is RanasError {
  return e instanceof RanasError && (code === undefined || e.code === code);
}

/** Message of any thrown value, for one-line CLI errors. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
