import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../main.ts';
import { startFakeDevice } from '../../../firmware-bridge/test-support/device-process.ts';
import { makeFakeBundle } from '../../../firmware-bridge/test-support/make-bundle.ts';
import { fakeClassOf } from '../../../firmware-bridge/test-support/fake-agent-service.ts';
import { loadBundleTar } from '../../../firmware-bridge/client/bundle-tar.ts';

/** Runs `ranas ...args` in-process (one module load for all commands) and parses what it printed as JSON. */
async function ranas(args: string[]): Promise<unknown> {
  let out = '';
  const write = process.stdout.write;
  const passOn = write.bind(process.stdout);
  // Only the command's own (string) output: binary chunks are the test runner's events, written to stdout
  // whenever the command awaits (its implementation loads inside the action), and pass through.
  process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' ? ((out += chunk), true) : passOn(chunk))) as typeof process.stdout.write;
  try {
    await buildProgram().parseAsync(['node', 'ranas', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(out);
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && key in obj ? (obj as Record<string, unknown>)[key] : undefined;
}

test('ranas device info / flash / infer / stats / bench against a device process over TCP', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-device-cli-'));
  fs.writeFileSync(path.join(work, 'key'), 'cli-test-key-0123456789abcdef\n');
  const device = await startFakeDevice(['--dir', path.join(work, 'device'), '--listen', '127.0.0.1:0', '--key-file', path.join(work, 'key')]);
  try {
    const host = ['--host', `127.0.0.1:${device.port}`, '--json'];
    assert.equal(field(await ranas(['device', 'info', ...host]), 'deviceName'), 'fake-device');

    // Keys: the host generates a signing pair; the device trusts the public half only.
    const keys = await ranas(['keys', 'generate', '--out', path.join(work, 'host-signing'), '--json']);
    assert.ok(Array.isArray(keys));
    const keyId = field(keys[0], 'key id');
    assert.match(String(keyId), /^[0-9a-f]{16}$/);
    await assert.rejects(ranas(['device', 'trust', path.join(work, 'host-signing.key'), '--bundle-dir', path.join(work, 'device')]), /PRIVATE key/);
    const trusted = await ranas(['device', 'trust', path.join(work, 'host-signing.pub'), '--bundle-dir', path.join(work, 'device'), '--json']);
    assert.ok(Array.isArray(trusted));
    assert.deepEqual(trusted.map((r) => field(r, 'key id')), [keyId]);

    const bundleDir = makeFakeBundle(path.join(work, 'bundle'), { segmentBytes: 30_000 });
    const flashed = await ranas(['device', 'flash', bundleDir, '--key-file', path.join(work, 'key'), '--signing-key', path.join(work, 'host-signing.key'), '--chunk', '4096', ...host]);
    assert.ok(Array.isArray(flashed));
    const sha256 = (await loadBundleTar(bundleDir)).sha256;
    assert.equal(field(flashed[0], 'sha256'), sha256.slice(0, 16));
    assert.equal(field(flashed[0], 'status'), 'installed');

    const input = Buffer.from([...Array(3 * 4 * 4).keys()].map((i) => (i * 37) & 0xff));
    fs.writeFileSync(path.join(work, 'input.bin'), input);
    const inferred = await ranas(['device', 'infer', '--input', path.join(work, 'input.bin'), '--shape', '1,4,4,3', '--dtype', 'uint8', ...host]);
    assert.equal(field(inferred, 'classIndex'), fakeClassOf(input));

    const stats = await ranas(['device', 'stats', ...host]);
    assert.ok(Array.isArray(stats));
    const installs = stats.find((r) => field(r, 'counter') === 'installs');
    assert.equal(field(installs, 'value'), 1);

    const bench = await ranas(['device', 'bench', '--requests', '5', ...host]);
    assert.ok(Array.isArray(bench));
    assert.equal(field(bench[0], 'requests'), 5);
  } finally {
    await device.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
