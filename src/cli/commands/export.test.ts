import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../main.ts';
import { saveModel } from '../../ir/serialize.ts';
import { isRanasError } from '../../errors.ts';
import { fixtureGraph } from '../../../converters/onnx/fixture-graph.ts';

async function run(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // Only the command's own (string) output: binary chunks are the test runner's events, written to stdout
  // whenever the command awaits (its implementation loads inside the action), and pass through.
  process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' ? (chunks.push(chunk), true) : write(chunk))) as typeof process.stdout.write;
  try {
    await buildProgram().parseAsync(['node', 'ranas', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

test('ranas export writes one bundle per format and prints the tables as JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-export-cli-'));
  try {
    saveModel(join(dir, 'model'), fixtureGraph());
    const out = await run(['export', join(dir, 'model'), '-o', join(dir, 'out'), '--format', 'onnx,tflite', '--eval', '0', '--json']);
    const parsed: unknown = JSON.parse(out);
    assert.ok(typeof parsed === 'object' && parsed !== null && 'sizes' in parsed && Array.isArray(parsed.sizes));
    assert.deepEqual(parsed.sizes.map((r: unknown) => (typeof r === 'object' && r !== null && 'bundle' in r ? r.bundle : null)), ['onnx-fp32', 'tflite-fp32']);
    for (const b of ['onnx-fp32', 'tflite-fp32']) assert.ok(existsSync(join(dir, 'out', b, 'manifest.json')));
    assert.ok(existsSync(join(dir, 'out', 'export-report.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ranas export refuses bad options naming them', async () => {
  await assert.rejects(run(['export', '/nonexistent', '-o', '/tmp/x', '--format', 'coreml']), (e) => isRanasError(e, 'E_CLI_ARG') && /coreml/.test(e.message));
  await assert.rejects(run(['export', '/nonexistent', '-o', '/tmp/x', '--target', 'tpu']), (e) => isRanasError(e, 'E_CLI_ARG') && /tpu/.test(e.message));
  await assert.rejects(run(['export', '/nonexistent', '-o', '/tmp/x', '--calib', '0']), (e) => isRanasError(e, 'E_CLI_ARG') && /--calib/.test(e.message));
});
