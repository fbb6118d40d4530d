/**
 * SLIP byte stuffing (RFC 1055): a frame ends with END; END and ESC inside a frame are sent as
 * ESC ESC_END and ESC ESC_ESC. We also send END before a frame so that line noise received before it is
 * flushed as its own (invalid) frame instead of corrupting the real one.
 */

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

/** Offsets of every END and ESC in `buf`, ascending. Native scans (each byte looked at once per value). */
function specialOffsets(buf: Buffer): number[] {
  const out: number[] = [];
  let end = buf.indexOf(SLIP_END);
  let esc = buf.indexOf(SLIP_ESC);
  while (end >= 0 || esc >= 0) {
    if (esc < 0 || (end >= 0 && end < esc)) { out.push(end); end = buf.indexOf(SLIP_END, end + 1); }
    else { out.push(esc); esc = buf.indexOf(SLIP_ESC, esc + 1); }
  }
  return out;
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
 */
export function slipEncodeParts(parts: Uint8Array[], alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const srcs = parts.map(asBuffer);
  const specials = srcs.map(specialOffsets);
  const size = srcs.reduce((n, src, i) => n + src.length + specials[i].length, 2);
  const out = alloc(size);
  out[0] = SLIP_END;
  let o = 1;
  srcs.forEach((src, i) => {
    let from = 0;
    for (const at of specials[i]) {
      o += src.copy(out, o, from, at);
      out[o++] = SLIP_ESC;
      out[o++] = src[at] === SLIP_END ? SLIP_ESC_END : SLIP_ESC_ESC;
      from = at + 1;
    }
    o += src.copy(out, o, from);
  });
  out[o] = SLIP_END;
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
