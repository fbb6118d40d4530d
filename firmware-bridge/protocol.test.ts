import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, encodeMessageParts } from './protocol.ts';
import { encodeFrame, encodeFrameParts } from './framing/frame.ts';

test('a flash chunk encoded as parts is byte-for-byte encodeMessage, and its data part is the caller\'s bytes', () => {
  const bundle = Buffer.alloc(200_000);
  for (let i = 0; i < bundle.length; i++) bundle[i] = (i * 131 + 7) & 0xff;
  for (const [offset, length] of [[0, 0], [0, 5], [1, 3], [127, 128], [300, 16_384], [2 ** 31, 65_536], [2 ** 32 - 1, 199_999]]) {
    const data = bundle.subarray(0, length);
    const parts = encodeMessageParts('flashChunk', { offset, data });
    const joined = Buffer.concat(parts);
    assert.deepEqual(joined, encodeMessage('flashChunk', { offset, data }), `offset ${offset}, ${length} bytes`);
    assert.deepEqual(decodeMessage('flashChunk', joined), { offset, data });
    assert.equal(parts[parts.length - 1], data, 'the data is referenced, not copied');
  }
});

test('other messages encode as one part, equal to encodeMessage', () => {
  const body = { minProtocolVersion: 1, maxProtocolVersion: 3, hostName: 'host-a' };
  const parts = encodeMessageParts('hello', body);
  assert.equal(parts.length, 1);
  assert.deepEqual(Buffer.from(parts[0]), encodeMessage('hello', body));
});

test('a frame built from payload parts equals the frame of the joined payload (CRC over all parts)', () => {
  const parts = [Buffer.from([0xc0, 1, 2]), Buffer.alloc(0), Buffer.from([0xdb, 0xdb, 9, 0xc0])];
  const joined = Buffer.concat(parts);
  assert.deepEqual(encodeFrameParts('request', 0xfeedbeef, 4, parts), encodeFrame({ kind: 'request', sequence: 0xfeedbeef, typeId: 4, payload: joined }));
  assert.deepEqual(encodeFrameParts('response', 3, 12, []), encodeFrame({ kind: 'response', sequence: 3, typeId: 12, payload: Buffer.alloc(0) }));
});

test('Info carries the profile with its request overhead; a profile without one decodes with no overhead field', () => {
  const seg = (p50Us: number) => ({ p50Us, p99Us: p50Us * 2, runs: 200 });
  const base = { deviceName: 'pi', agentVersion: '0.1.0', protocolVersion: 1, minProtocolVersion: 1, maxProtocolVersion: 1, runtimes: ['tflite'], maxFrameBytes: 262144, nonce: Buffer.alloc(16, 9), installedVersion: 7, maxInflight: 8 };
  const profile = { device: 'pi', measuredAt: '2026-11-28T00:00:00Z', segments: [seg(100), seg(250)] };
  const withOverhead = { ...base, profile: { ...profile, overhead: { input: seg(30), answer: seg(12) } } };
  assert.deepEqual(decodeMessage('info', encodeMessage('info', withOverhead)).profile, withOverhead.profile);
  const older = decodeMessage('info', encodeMessage('info', { ...base, profile }));
  assert.deepEqual(older.profile, profile);
  assert.equal('overhead' in (older.profile ?? {}), false, 'absent, not null');
  assert.equal('profile' in decodeMessage('info', encodeMessage('info', base)), false);
});

test('an Infer whose dtype no agent reads (int32, float64) is refused when decoded, naming it and the accepted ones', () => {
  // The dtype travels as a string; swap it in the encoded bytes for a same-length name the types forbid.
  const swap = (from: string, to: string) => {
    const payload = Buffer.from(encodeMessage('infer', { input: Buffer.alloc(4), shape: [4], dtype: from === 'uint8' ? 'uint8' : 'float32', budgetUs: 1, policy: 'deadline', topK: 1 }));
    const at = payload.indexOf(from);
    assert.ok(at >= 0);
    payload.write(to, at, 'ascii');
    return payload;
  };
  assert.equal(decodeMessage('infer', swap('uint8', 'uint8')).dtype, 'uint8');
  for (const [from, to] of [['uint8', 'int32'], ['float32', 'float64']]) {
    assert.throws(() => decodeMessage('infer', swap(from, to)), (e: unknown) => {
      assert.ok(e instanceof Error && 'code' in e && e.code === 'E_BAD_INPUT');
      assert.match(e.message, new RegExp(`dtype '${to}' is not one of uint8, int8, float32`));
      return true;
    });
  }
});

test('infer with everyExit and its answer with each exit round-trip (int8 logits exactly)', () => {
  const infer = { input: Buffer.from([1, 2, 3]), shape: [1, 1, 3], dtype: 'uint8' as const, budgetUs: 5, policy: 'deadline' as const, topK: 1, everyExit: true };
  assert.equal(decodeMessage('infer', encodeMessage('infer', infer)).everyExit, true);
  assert.equal(decodeMessage('infer', encodeMessage('infer', { ...infer, everyExit: undefined })).everyExit, false);
  const exits = [{ exitIndex: 0, classIndex: 3, confidence: 0.5, logits: [-128, 127, 0, 5] }, { exitIndex: 1, classIndex: 1, confidence: 0.25, logits: [1, 2, -3, 4] }];
  const result = { exitIndex: 1, classIndex: 1, label: 'b', confidence: 0.25, topK: [], segmentLatencyUs: [1, 2], totalUs: 3, budgetUs: 5, met: true, overBudget: false, exits };
  assert.deepEqual(decodeMessage('inferResult', encodeMessage('inferResult', result)).exits, exits);
});
