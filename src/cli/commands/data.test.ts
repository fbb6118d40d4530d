import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../main.ts';

async function capture(fn: () => Promise<void>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  // Only the command's own (string) output: binary chunks are the test runner's events, written to stdout
  // whenever the command awaits (its implementation loads inside the action), and pass through.
  process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' ? ((out += chunk), true) : write(chunk))) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test('ranas data status --json lists both datasets for an empty cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-cli-data-'));
  const out = await capture(() => buildProgram().parseAsync(['node', 'ranas', 'data', 'status', '--dir', dir, '--json']).then(() => {}));
  const rows: unknown = JSON.parse(out);
  assert.ok(Array.isArray(rows));
  assert.deepEqual(rows.map((r: { dataset: string; verified: boolean }) => [r.dataset, r.verified]), [['cifar10', false], ['cifar100', false]]);
});

test('ranas data fetch rejects an unknown dataset with a typed error', async () => {
  await assert.rejects(buildProgram().parseAsync(['node', 'ranas', 'data', 'fetch', 'mnist', '--dir', tmpdir()]), /unknown dataset "mnist"/);
});
