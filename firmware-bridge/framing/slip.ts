/**
 * SLIP byte stuffing (RFC 1055): a frame ends with END; END and ESC inside a frame are sent as
 * ESC ESC_END and ESC ESC_ESC. We also send END before a frame so that line noise received before it is
 * flushed as its own (invalid) frame instead of corrupting the real one.
 */

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

/** SLIP-encodes `body` as END + escaped body + END. Pure; copies runs of plain bytes in bulk. */
export function slipEncode(body: Uint8Array): Buffer {
  let specials = 0;
  for (let i = 0; i < body.length; i++) if (body[i] === SLIP_END || body[i] === SLIP_ESC) specials++;
  const out = Buffer.allocUnsafe(body.length + specials + 2);
  out[0] = SLIP_END;
  if (specials === 0) {
    out.set(body, 1);
  } else {
    let o = 1;
    for (let i = 0; i < body.length; i++) {
      const b = body[i];
      if (b === SLIP_END) { out[o++] = SLIP_ESC; out[o++] = SLIP_ESC_END; }
      else if (b === SLIP_ESC) { out[o++] = SLIP_ESC; out[o++] = SLIP_ESC_ESC; }
      else out[o++] = b;
    }
  }
  out[out.length - 1] = SLIP_END;
  return out;
}

/**
 * Undoes SLIP escaping of one frame's bytes (without the END delimiters). Returns undefined when an ESC is
 * followed by anything but ESC_END / ESC_ESC, or ends the frame.
 */
export function slipUnescape(escaped: Uint8Array): Buffer | undefined {
  let at = escaped.indexOf(SLIP_ESC);
  if (at < 0) return Buffer.from(escaped);
  const out = Buffer.allocUnsafe(escaped.length);
  out.set(escaped.subarray(0, at), 0);
  let o = at;
  for (let i = at; i < escaped.length; i++) {
    const b = escaped[i];
    if (b !== SLIP_ESC) { out[o++] = b; continue; }
    const next = escaped[++i];
    if (next === SLIP_ESC_END) out[o++] = SLIP_END;
    else if (next === SLIP_ESC_ESC) out[o++] = SLIP_ESC;
    else return undefined;
  }
  return out.subarray(0, o);
}
