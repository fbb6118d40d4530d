/**
 * SLIP byte stuffing (RFC 1055): a frame ends with END; END and ESC inside a frame are sent as
 * ESC ESC_END and ESC ESC_ESC. We also send END before a frame so that line noise received before it is
 * flushed as its own (invalid) frame instead of corrupting the real one.
 */

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

/** Offsets (in the concatenated input) of every END and ESC found by the last `findSpecials`; reused. */
let specials = new Int32Array(1024);

/**
 * Records the offset of every END and ESC in `buf` (plus `base`) in `specials` from index `count`, ascending;
 * returns the new count. Native scans, each byte looked at once per value, and nothing allocated per find.
 */
function findSpecials(buf: Uint8Array, base: number, count: number): number {
  const b = asBuffer(buf);
  let end = b.indexOf(SLIP_END);
  let esc = b.indexOf(SLIP_ESC);
  while (end >= 0 || esc >= 0) {
    let at: number;
    if (esc < 0 || (end >= 0 && end < esc)) { at = end; end = b.indexOf(SLIP_END, end + 1); }
    else { at = esc; esc = b.indexOf(SLIP_ESC, esc + 1); }
    if (count === specials.length) {
      const grown = new Int32Array(2 * specials.length);
      grown.set(specials);
      specials = grown;
    }
    specials[count++] = base + at;
  }
  return count;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** SLIP-encodes `body` as END + escaped body + END. Pure; copies the runs between special bytes in bulk. */
export function slipEncode(body: Uint8Array): Buffer {
  return slipEncodeParts([body]);
}

/**
 * SLIP-encodes the concatenation of `parts` (without building it first) as END + escaped bytes + END, into a
 * buffer of the exact size from `alloc` (default: fresh memory).
 * The parts are copied once into the tail of the output, then every run between special bytes is moved down
 * to its place with copyWithin: the write position trails the read position by the escapes still to come,
 * so nothing is overwritten before it is read, and no view or array is made per run (a 64 KiB chunk of
 * random bytes has about 512 runs; a view per run was most of the host's garbage during a flash).
 */
export function slipEncodeParts(parts: Uint8Array[], alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  let total = 0;
  let count = 0;
  for (const part of parts) {
    count = findSpecials(part, total, count);
    total += part.length;
  }
  const size = total + count + 2;
  const out = alloc(size);
  const inputStart = count + 1; // = size - 1 - total
  let at = inputStart;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  out[0] = SLIP_END;
  let o = 1;
  let from = inputStart;
  for (let k = 0; k < count; k++) {
    const s = inputStart + specials[k];
    const special = out[s]; // read before the escape pair may land on it (the last special)
    out.copyWithin(o, from, s);
    o += s - from;
    out[o++] = SLIP_ESC;
    out[o++] = special === SLIP_END ? SLIP_ESC_END : SLIP_ESC_ESC;
    from = s + 1;
  }
  out.copyWithin(o, from, inputStart + total);
  out[size - 1] = SLIP_END;
  return out;
}

/**
 * Undoes SLIP escaping of one frame's bytes (without the END delimiters) over its input: unescaped bytes are
 * never more than escaped ones, so the write position never passes the read position, and no second buffer
 * is needed. Returns the view of `buf` holding the result (`buf` itself when nothing is escaped), or
 * undefined when an ESC is followed by anything but ESC_END / ESC_ESC, or ends the frame.
 */
export function slipUnescapeInPlace(buf: Buffer): Buffer | undefined {
  let at = buf.indexOf(SLIP_ESC);
  if (at < 0) return buf;
  let o = at;
  let from = at;
  for (; at >= 0; at = buf.indexOf(SLIP_ESC, from)) {
    buf.copyWithin(o, from, at); // memmove: the regions may overlap
    o += at - from;
    const next = buf[at + 1];
    if (next === SLIP_ESC_END) buf[o++] = SLIP_END;
    else if (next === SLIP_ESC_ESC) buf[o++] = SLIP_ESC;
    else return undefined;
    from = at + 2;
  }
  buf.copyWithin(o, from);
  o += buf.length - from;
  return buf.subarray(0, o);
}
