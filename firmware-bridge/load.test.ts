/**
 * 8 clients × 500 requests against a device process whose inference takes 1 ms (off the event loop, as a
 * runtime's worker thread): every request is
 * answered or shed with E_BUSY (none lost), every answer is within its budget or flagged, and the time queued
 * behind other clients counts against each budget. With budgets the load cannot meet, requests are shed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError } from '../src/errors.ts';
import { DeviceClient } from './client/device-client.ts';
import { connectTcp } from './transport/tcp-transport.ts';
import { startFakeDevice, type DeviceProcess } from './test-support/device-process.ts';
import { runLoad } from './test-support/load-run.ts';

let work: string;
let device: DeviceProcess;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-load-'));
  device = await startFakeDevice(['--dir', path.join(work, 'device'), '--listen', '127.0.0.1:0', '--infer-sleep-us', '1000']);
});
after(async () => {
  await device.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('8 clients x 500 requests, generous budget: 0 lost, every answer within budget or flagged, queueing counted', async () => {
  const r = await runLoad({ port: device.port ?? 0, clients: 8, requests: 500, budgetUs: 200_000 });
  console.log(`generous: ${JSON.stringify(r)}`);
  assert.equal(r.sent, 4000);
  assert.equal(r.lost, 0);
  assert.equal(r.otherErrors, 0);
  assert.equal(r.unflaggedLate, 0, 'no answer claims met with a total above its budget');
  assert.equal(r.met + r.flaggedLate + r.shed, 4000);
  assert.ok(r.queuedAnswers > 1000, `8 clients wait behind each other: ${r.queuedAnswers} answers report queueing`);
});

test('8 clients x 500 requests, budget below what 8-deep queueing allows: requests are shed at once, none lost', async () => {
  const r = await runLoad({ port: device.port ?? 0, clients: 8, requests: 500, budgetUs: 3_000 });
  console.log(`tight: ${JSON.stringify(r)}`);
  assert.equal(r.lost, 0);
  assert.equal(r.otherErrors, 0);
  assert.equal(r.unflaggedLate, 0);
  assert.equal(r.met + r.flaggedLate + r.shed, 4000);
  assert.ok(r.shed > 100, `offered load beyond the deadlines is shed with E_BUSY (${r.shed})`);
  assert.ok(r.met > 100, `the rest is answered in time (${r.met})`);
  const client = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', device.port ?? 0) });
  const stats = await client.stats();
  await client.close();
  assert.ok(stats.link.inferShedOnArrival + stats.link.inferShedAtStart > 0, 'the device counts what it shed');
});

test('the host refuses a request above the frame limit the device advertised, before sending it', async () => {
  const client = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', device.port ?? 0) });
  try {
    const limit = client.info.maxFrameBytes;
    assert.ok(limit > 0);
    const big = Buffer.alloc(limit + 1);
    await assert.rejects(client.infer({ input: big, shape: [big.length], dtype: 'uint8', budgetUs: 1e6, policy: 'deadline', topK: 1 }),
      (e) => isRanasError(e, 'E_FRAME_TOO_LARGE') && new RegExp(`frame limit of ${limit} bytes`).test(e.message));
    const stats = await client.stats();
    assert.equal(stats.link.droppedOversize, 0, 'nothing oversize reached the device');
  } finally {
    await client.close();
  }
});
