import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryTransportPair } from '../transport/memory-transport.ts';
import { BufferPool } from '../framing/buffer-pool.ts';
import { encodeFrame, type Frame } from '../framing/frame.ts';
import { encodeMessage, MESSAGE_TYPE_IDS } from '../protocol.ts';
import { FrameLink } from './frame-link.ts';
import { RpcClient } from './rpc-client.ts';

/** A host RpcClient whose link records every buffer it sends, and a device end that answers from `answerSend`. */
function setup(answerSend: number) {
  const [hostEnd, deviceEnd] = memoryTransportPair('rpc-test');
  const sentBuffers: Buffer[] = [];
  const write = hostEnd.write.bind(hostEnd);
  hostEnd.write = (b: Buffer) => { sentBuffers.push(b); return write(b); };
  const device = new FrameLink(deviceEnd);
  let seen = 0;
  device.on('frame', (f: Frame) => {
    if (++seen < answerSend) return; // the first sends are "lost"
    const payload = encodeMessage('flashAck', { nextOffset: 4096, totalBytes: 8192 });
    void device.send({ kind: 'response', sequence: f.sequence, typeId: MESSAGE_TYPE_IDS.flashAck, payload });
  });
  let sequence = 100;
  const rpc = new RpcClient(new FrameLink(hostEnd), { nextSequence: () => sequence++, timeoutMs: 30, attempts: 4 });
  return { rpc, sentBuffers, close: () => hostEnd.close() };
}

const chunk = { offset: 0, data: Buffer.alloc(4096, 0xc0) }; // every byte escaped: a 8 KiB frame

test('a pooled request buffer goes back to the pool once answered; retries send copies of it', async () => {
  const pool = new BufferPool(1024, 4);
  const { rpc, sentBuffers, close } = setup(2);
  const ack = await rpc.request('flashChunk', chunk, { wirePool: pool });
  assert.equal(ack.nextOffset, 4096);
  assert.equal(sentBuffers.length, 2, 'first send lost, the retry answered');
  assert.deepEqual(sentBuffers[1], sentBuffers[0], 'a retry carries the same bytes (same sequence)');
  assert.notEqual(sentBuffers[1].buffer, sentBuffers[0].buffer, 'a retry is a copy, not the pooled block');
  assert.equal(pool.freeBlocks, 1, 'the pooled block is given back after the answer');
  assert.equal(pool.take(8000).buffer, sentBuffers[0].buffer);
  await close();
});

test('a request that fails keeps its pooled buffer out of the pool', async () => {
  const pool = new BufferPool(1024, 4);
  const { rpc, close } = setup(Infinity);
  await assert.rejects(rpc.request('flashChunk', chunk, { wirePool: pool, attempts: 2 }), /E_TIMEOUT|no answer/);
  assert.equal(pool.freeBlocks, 0);
  await close();
});

test('frames sent without a pool are plain fresh buffers (same bytes as encodeFrame)', async () => {
  const { rpc, sentBuffers, close } = setup(1);
  await rpc.request('flashChunk', chunk);
  const again = encodeFrame({ kind: 'request', sequence: 100, typeId: MESSAGE_TYPE_IDS.flashChunk, payload: encodeMessage('flashChunk', chunk) });
  assert.deepEqual(sentBuffers[0], again);
  await close();
});
