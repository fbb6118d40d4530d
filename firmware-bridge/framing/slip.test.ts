import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SLIP_END, SLIP_ESC, SLIP_ESC_END, SLIP_ESC_ESC, slipEncodeParts, slipUnescapeInPlace } from './slip.ts';
import { seededRandom } from '../transport/seeded-random.ts';

/** Reference SLIP unescape, one byte at a time (RFC 1055), to check the in-place one against. */
function referenceUnescape(escaped: Uint8Array): Buffer | undefined {
  const out: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    if (escaped[i] !== SLIP_ESC) { out.push(escaped[i]); continue; }
    const next = escaped[++i];
    if (next === SLIP_ESC_END) out.push(SLIP_END);
    else if (next === SLIP_ESC_ESC) out.push(SLIP_ESC);
    else return undefined;
  }
  return Buffer.from(out);
}

/** Bytes where END and ESC are common (a third of all bytes), so runs between escapes are short and long. */
function specialHeavyBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    const r = random();
    bytes[i] = r < 0.17 ? SLIP_END : r < 0.34 ? SLIP_ESC : Math.floor(random() * 256);
  }
  return bytes;
}

test('in-place unescape inverts slipEncodeParts (payload split into parts) and matches the byte-wise reference', () => {
  const random = seededRandom(11);
  for (let round = 0; round < 300; round++) {
    const body = specialHeavyBytes(random, Math.floor(random() * 600));
    const cut = Math.floor(random() * (body.length + 1));
    const wire = slipEncodeParts([body.subarray(0, cut), body.subarray(cut)]);
    assert.equal(wire[0], SLIP_END);
    assert.equal(wire[wire.length - 1], SLIP_END);
    const escaped = Buffer.from(wire.subarray(1, -1));
    assert.deepEqual(referenceUnescape(escaped), body, `round ${round}: encoder disagrees with the reference`);
    assert.deepEqual(slipUnescapeInPlace(escaped), body, `round ${round}: in-place unescape of ${body.length} bytes`);
  }
});

test('in-place unescape refuses a bad escape code and an ESC that ends the frame, as the reference does', () => {
  for (const bad of [[1, SLIP_ESC, 0x01, 2], [1, 2, SLIP_ESC], [SLIP_ESC, SLIP_ESC, SLIP_ESC_END], [SLIP_ESC]]) {
    assert.equal(referenceUnescape(Buffer.from(bad)), undefined);
    assert.equal(slipUnescapeInPlace(Buffer.from(bad)), undefined, `bytes ${bad.join(',')}`);
  }
  const plain = Buffer.from([1, 2, 3]);
  assert.equal(slipUnescapeInPlace(plain), plain, 'nothing escaped: the same buffer back');
});
