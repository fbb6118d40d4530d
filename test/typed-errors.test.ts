/**
 * Every error the tool throws on purpose is a RanasError with a code from `src/error-codes.ts`: no plain
 * `new Error(…)` (or RangeError/TypeError) in production code. The compiler checks the codes; this checks
 * the constructors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, errorCodeOf } from '../src/error-codes.ts';
import { listSourceFiles } from './import-graph.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const PLAIN_ERROR = /\bnew (Error|RangeError|TypeError)\(/;

/** Lines of production code that build a plain error, as `file:line: text`. */
function plainErrors(files: readonly { file: string; text: string }[]): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    if (file.endsWith('.test.ts') || file.startsWith('test/') || file.startsWith('bench/')) continue;
    text.split('\n').forEach((line, i) => {
      if (PLAIN_ERROR.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

test('the check finds a plain Error and ignores RanasError and test files', () => {
  assert.deepEqual(
    plainErrors([
      { file: 'src/x.ts', text: "ok();\nthrow new Error('boom');" },
      { file: 'src/y.ts', text: "throw new RanasError('E_INTERNAL', 'typed');" },
      { file: 'src/x.test.ts', text: "throw new Error('in a test');" },
    ]),
    ["src/x.ts:2: throw new Error('boom');"],
  );
});

test('production code throws only typed errors', () => {
  const files = listSourceFiles(repoRoot).map((file) => ({ file, text: readFileSync(join(repoRoot, file), 'utf8') }));
  assert.deepEqual(plainErrors(files), []);
});

test('error codes are unique, E_ + upper-case words, and errorCodeOf accepts exactly them', () => {
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
  for (const c of ERROR_CODES) assert.match(c, /^E_[A-Z0-9]+(_[A-Z0-9]+)*$/);
  assert.equal(errorCodeOf('E_DATA_CORRUPT'), 'E_DATA_CORRUPT');
  assert.equal(errorCodeOf('E_NO_SUCH_CODE'), undefined);
});
