/**
 * For tests that run the command line in-process: what a call printed on stdout. Only string chunks are
 * captured; binary chunks pass through, because the test runner's own protocol goes through stdout as binary.
 */
import { buildProgram } from '../main.ts';

/** Runs `fn` and returns the text it wrote to stdout (stdout is restored even when `fn` throws). */
export async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' ? ((out += chunk), true) : write(chunk))) as typeof process.stdout.write;
  try { await fn(); } finally { process.stdout.write = write; }
  return out;
}

/** Runs `ranas ...args` in-process and returns what it printed on stdout. */
export const ranasStdout = (args: string[]): Promise<string> => captureStdout(() => buildProgram().parseAsync(['node', 'ranas', ...args]));
