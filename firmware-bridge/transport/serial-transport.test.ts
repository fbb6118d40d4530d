import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialTransport } from './serial-transport.ts';
import { haveSocat, openPtyPair } from '../test-support/pty-pair.ts';

const skip = haveSocat() ? false : 'socat is not installed (apt-get install -y socat)';

test('bytes cross a pty pair intact in both directions, with reads landing in one reused buffer', { skip }, async () => {
  const pty = await openPtyPair();
  assert.ok(pty);
  const a = await SerialTransport.open(pty.hostPath);
  const b = await SerialTransport.open(pty.devicePath);
  try {
    const sent = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));
    const received: Buffer[] = [];
    const views = new Set<ArrayBufferLike>();
    let total = 0;
    const all = new Promise<void>((resolve) => b.on('data', (d) => {
      views.add(d.buffer);
      received.push(Buffer.from(d)); // a data buffer is only valid during its event
      total += d.length;
      if (total >= sent.length) resolve();
    }));
    for (let at = 0; at < sent.length; at += 50_000) await a.write(sent.subarray(at, at + 50_000));
    await all;
    assert.deepEqual(Buffer.concat(received), sent);
    assert.equal(views.size, 1, 'every read went into the same buffer');
    const back = new Promise<Buffer>((resolve) => a.once('data', (d) => resolve(Buffer.from(d))));
    await b.write(Buffer.from('ack'));
    assert.equal((await back).toString(), 'ack');
  } finally {
    await a.close();
    await b.close();
    await pty.close();
  }
});

test('when the other end hangs up, the transport closes with an error instead of spinning', { skip }, async () => {
  const pty = await openPtyPair();
  assert.ok(pty);
  const b = await SerialTransport.open(pty.devicePath);
  const closed = new Promise<Error | undefined>((resolve) => b.once('close', resolve));
  await pty.close(); // socat exits: both ptys hang up
  const error = await Promise.race([closed, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3000))]);
  assert.notEqual(error, 'timeout', 'closed within 3 s');
  assert.ok(error instanceof Error, 'closed with the error that ended it');
  assert.equal(b.isOpen, false);
  await assert.rejects(b.write(Buffer.from('x')), /closed port/);
});
