/**
 * 100,000 fuzzed frames into the decoder, into an in-process device server, and into a REAL device
 * process over TCP: no crash, no hang (a valid request afterwards is answered), bounded memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FrameDecoder } from './framing/frame-decoder.ts';
import { encodeFrame, type Frame } from './framing/frame.ts';
import { serveDevice } from './server/serve-device.ts';
import { memoryTransportPair } from './transport/memory-transport.ts';
import { connectTcp } from './transport/tcp-transport.ts';
import { DeviceClient } from './client/device-client.ts';
import { FakeAgentService } from './test-support/fake-agent-service.ts';
import { fuzzFrameSource } from './test-support/fuzz-frames.ts';
import { startFakeDevice } from './test-support/device-process.ts';

const FRAMES = 100_000;
v8.setFlagsFromString('--expose-gc');
const gc: unknown = vm.runInNewContext('gc');
function heapUsedAfterGc(): number {
  if (typeof gc === 'function') gc();
  return process.memoryUsage().heapUsed;
}
const MiB = 1024 * 1024;

/** The fuzz stream in batches of `perBatch` frames. */
function* fuzzBatches(seed: number, perBatch: number): Generator<Buffer> {
  const next = fuzzFrameSource(seed);
  for (let sent = 0; sent < FRAMES; sent += perBatch) {
    const parts: Buffer[] = [];
    for (let i = 0; i < Math.min(perBatch, FRAMES - sent); i++) parts.push(next());
    yield Buffer.concat(parts);
  }
}

test('decoder: 100,000 fuzzed frames, then a valid frame still decodes; heap growth bounded', async () => {
  const decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 });
  let frames = 0;
  let last: Frame | undefined;
  decoder.on('data', (f: Frame) => { frames++; last = f; });
  const heap0 = heapUsedAfterGc();
  let maxHeap = heap0;
  let batch = 0;
  for (const bytes of fuzzBatches(1, 500)) {
    // Uneven write sizes, so frames straddle writes.
    for (let at = 0; at < bytes.length; at += 777) decoder.write(bytes.subarray(at, at + 777));
    if (++batch % 40 === 0) { await new Promise((r) => setImmediate(r)); maxHeap = Math.max(maxHeap, heapUsedAfterGc()); }
  }
  decoder.write(encodeFrame({ kind: 'request', sequence: 99, typeId: 1, payload: Buffer.from('ok') }));
  await new Promise((r) => setImmediate(r));
  assert.equal(last?.sequence, 99, 'resynchronised after the fuzz');
  const s = decoder.stats;
  const dropped = s.runt + s.badCrc + s.badVersion + s.badKind + s.badEscape + s.oversize;
  assert.ok(dropped > 30_000, `dropped ${dropped}`);
  assert.ok(s.oversize >= FRAMES / 5000 - 1, `oversize ${s.oversize}`);
  assert.ok(frames > 10_000, `valid-CRC frames passed through: ${frames}`);
  const growth = maxHeap - heap0;
  assert.ok(growth < 32 * MiB, `heap grew ${(growth / MiB).toFixed(1)} MiB`);
});

test('in-process device server: 100,000 fuzzed frames, no crash, still answers Hello, heap growth bounded', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-fuzz-'));
  try {
    const service = await new FakeAgentService(dir).load();
    const [host, device] = memoryTransportPair();
    const server = serveDevice(device, service, { keyBytes: Buffer.alloc(32, 1), stagingDir: path.join(dir, 'staging'), maxBundleBytes: 1 << 20, log: () => undefined });
    const heap0 = heapUsedAfterGc();
    let maxHeap = heap0;
    let batch = 0;
    for (const bytes of fuzzBatches(2, 200)) {
      await host.write(bytes);
      // Let the server work through its (bounded) queue between batches, as a real link's pace would.
      await new Promise((r) => setTimeout(r, 1));
      if (++batch % 50 === 0) maxHeap = Math.max(maxHeap, heapUsedAfterGc());
    }
    const client = await DeviceClient.open({ connect: async () => host, timeoutMs: 2000 });
    assert.equal(client.info.deviceName, 'fake-device');
    const stats = server.linkStats();
    assert.ok(stats.requests > 1000, `requests handled ${stats.requests}`);
    assert.ok(stats.errorsSent > 100, `errors answered ${stats.errorsSent}`);
    assert.ok(stats.droppedBadCrc > 10_000, `bad CRC ${stats.droppedBadCrc}`);
    const growth = maxHeap - heap0;
    assert.ok(growth < 48 * MiB, `heap grew ${(growth / MiB).toFixed(1)} MiB`);
    await client.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('device process over TCP: 100,000 fuzzed frames, no crash, still answers, RSS growth bounded', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-fuzz-proc-'));
  fs.writeFileSync(path.join(dir, 'key'), 'fuzz-key-0123456789abcdef');
  const device = await startFakeDevice(['--dir', path.join(dir, 'device'), '--listen', '127.0.0.1:0', '--key-file', path.join(dir, 'key')]);
  try {
    const port = device.port ?? 0;
    const probe = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', port), timeoutMs: 3000 });
    const rss0 = (await probe.stats()).agent.rssBytes;
    const raw = await connectTcp('127.0.0.1', port);
    raw.on('data', () => undefined); // read and discard the device's answers
    for (const bytes of fuzzBatches(3, 500)) await raw.write(bytes);
    // Still alive and answering on the fuzzed connection's sibling, and on a fresh one.
    const info = await probe.hello();
    assert.equal(info.deviceName, 'fake-device');
    const stats = await probe.stats();
    const growth = stats.agent.rssBytes - rss0;
    assert.ok(growth < 96 * MiB, `device RSS grew ${(growth / MiB).toFixed(1)} MiB`);
    await raw.close();
    await probe.close();
    const fresh = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', port), timeoutMs: 3000 });
    assert.equal((await fresh.stats()).agent.installs, 0, 'no fuzzed flash was ever installed');
    await fresh.close();
  } finally {
    await device.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
