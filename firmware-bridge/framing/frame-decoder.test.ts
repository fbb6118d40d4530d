import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder } from './frame-decoder.ts';
import { encodeFrame, type Frame } from './frame.ts';
import { SLIP_END, SLIP_ESC, slipEncode } from './slip.ts';
import { encodeMessage } from '../protocol.ts';
import { BufferPool } from './buffer-pool.ts';

/** Feeds `chunks` to a fresh decoder and returns the frames it emitted plus the decoder. */
function decode(chunks: Buffer[], maxFrameBytes?: number): { frames: Frame[]; decoder: FrameDecoder } {
  const decoder = new FrameDecoder({ maxFrameBytes });
  const frames: Frame[] = [];
  decoder.on('data', (f: Frame) => frames.push(f));
  for (const c of chunks) decoder.write(c);
  return { frames, decoder };
}

const tick = () => new Promise((r) => setImmediate(r));

// Payload with both special bytes so that escaping is exercised.
const payload = Buffer.from([1, SLIP_END, 2, SLIP_ESC, SLIP_END, SLIP_ESC, 3]);
const frameA: Frame = { kind: 'request', sequence: 0xdeadbeef, typeId: 9, payload };
const frameB: Frame = { kind: 'response', sequence: 7, typeId: 10, payload: Buffer.from('hello') };

test('constructor refuses a max frame size below the frame overhead', () => {
  assert.throws(() => new FrameDecoder({ maxFrameBytes: 3 }), /maxFrameBytes must be an integer/);
  assert.throws(() => new FrameDecoder({ maxFrameBytes: 1.5 }), /maxFrameBytes/);
});

test('encoder escapes END and ESC and the decoder restores the frame', async () => {
  const wire = encodeFrame(frameA);
  // Only the first and last bytes may be END.
  assert.equal(wire.subarray(1, -1).indexOf(SLIP_END), -1);
  const { frames } = decode([wire]);
  await tick();
  assert.equal(frames.length, 1);
  assert.deepEqual({ ...frames[0], payload: Buffer.from(frames[0].payload) }, frameA);
});

test('frames split across writes at every byte boundary decode identically', async () => {
  const wire = Buffer.concat([encodeFrame(frameA), encodeFrame(frameB)]);
  for (let cut = 0; cut <= wire.length; cut++) {
    for (const second of [wire.length, Math.min(wire.length, cut + 3)]) {
      const parts = [wire.subarray(0, cut), wire.subarray(cut, second), wire.subarray(second)];
      const { frames } = decode(parts);
      await tick();
      assert.equal(frames.length, 2, `cut at ${cut}/${second}`);
      assert.deepEqual(Buffer.from(frames[0].payload), payload);
      assert.equal(frames[0].sequence, 0xdeadbeef);
      assert.equal(frames[1].kind, 'response');
      assert.equal(frames[1].payload.toString(), 'hello');
    }
  }
  // One byte per write.
  const { frames } = decode([...wire].map((b) => Buffer.from([b])));
  await tick();
  assert.equal(frames.length, 2);
});

test('resynchronises after garbage and counts the garbage as a dropped frame', async () => {
  const garbage = Buffer.from([0x00, 0x13, 0x37, 0x42, 0x99, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70]);
  const { frames, decoder } = decode([garbage, encodeFrame(frameB), garbage, encodeFrame(frameA)]);
  await tick();
  assert.equal(frames.length, 2);
  assert.equal(frames[0].sequence, 7);
  assert.equal(frames[1].sequence, 0xdeadbeef);
  // The second garbage run ends at frameA's leading END: one more dropped frame (≥ 10 bytes → bad CRC).
  assert.equal(decoder.stats.badCrc, 2);
});

test('drops frames with a flipped bit, a bad escape, or an oversize body, and counts each', async () => {
  const flipped = encodeFrame(frameB);
  flipped[4] ^= 0x10;
  const badEscape = Buffer.from([SLIP_END, 1, 2, 3, SLIP_ESC, 0x01, 4, 5, 6, 7, 8, 9, 10, SLIP_END]);
  const big = encodeFrame({ kind: 'request', sequence: 1, typeId: 4, payload: Buffer.alloc(500, 0x11) });
  const { frames, decoder } = decode([flipped, badEscape, big, encodeFrame(frameB)], 100);
  await tick();
  assert.equal(frames.length, 1);
  assert.equal(decoder.stats.badCrc, 1);
  assert.equal(decoder.stats.badEscape, 1);
  assert.equal(decoder.stats.oversize, 1);
  assert.equal(decoder.stats.frames, 1);
});

test('a frame with an empty payload (e.g. StatsRequest) round-trips', async () => {
  const { frames } = decode([encodeFrame({ kind: 'request', sequence: 3, typeId: 11, payload: encodeMessage('statsRequest', {}) })]);
  await tick();
  assert.equal(frames.length, 1);
  assert.equal(frames[0].payload.length, 0);
});

test('slipEncode of a body without specials is END + body + END', () => {
  assert.deepEqual(slipEncode(Buffer.from([1, 2, 3])), Buffer.from([SLIP_END, 1, 2, 3, SLIP_END]));
});

test('received pieces may be reused by the transport right after feed: frames keep their own bytes', () => {
  const big: Frame = { kind: 'request', sequence: 3, typeId: 9, payload: Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff)) };
  const wire = Buffer.concat([encodeFrame(big), encodeFrame(frameA), encodeFrame(big)]);
  const pool = new BufferPool(1024, 4);
  const decoder = new FrameDecoder({ bodyPool: pool });
  const frames: Frame[] = [];
  decoder.onFrame = (f) => frames.push(f);
  const reused = Buffer.alloc(4096); // like a serial port's one read buffer
  for (let at = 0; at < wire.length; at += reused.length) {
    const n = wire.copy(reused, 0, at, at + reused.length);
    decoder.feed(reused.subarray(0, n));
    reused.fill(0xaa);
  }
  assert.equal(frames.length, 3);
  assert.deepEqual(Buffer.from(frames[0].payload), big.payload);
  assert.deepEqual(Buffer.from(frames[1].payload), frameA.payload);
  assert.deepEqual(Buffer.from(frames[2].payload), big.payload);
  assert.notEqual(frames[0].payload.buffer, frames[2].payload.buffer, 'a body not given back is not reused');
  pool.release(frames[0].payload);
  const again = pool.take(70_000);
  assert.equal(again.buffer, frames[0].payload.buffer, 'big bodies come from the pool');
});

test('a dropped frame gives its pooled body back', () => {
  const pool = new BufferPool(16, 4);
  const decoder = new FrameDecoder({ bodyPool: pool });
  const wire = encodeFrame({ kind: 'request', sequence: 1, typeId: 9, payload: Buffer.alloc(100, 7) });
  wire[50] ^= 0x01; // bad CRC
  decoder.feed(wire);
  assert.equal(decoder.stats.badCrc, 1);
  assert.equal(pool.freeBlocks, 1);
});
