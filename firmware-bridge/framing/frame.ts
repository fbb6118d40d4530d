/**
 * A frame: [u8 format version (high nibble) | kind (low nibble), u32 sequence (big-endian), u8 message
 * type id, payload, u32 CRC32 (big-endian, zlib polynomial) of everything before it], SLIP-wrapped.
 * `encodeFrame` is pure; `parseFrameBody` checks an unescaped frame and says what is wrong with it.
 */
import { crc32 } from 'node:zlib';
import { slipEncodeParts } from './slip.ts';

/** Frame format version in the header's high nibble. */
export const FRAME_FORMAT_VERSION = 1;
/** Header (1 + 4 + 1) plus CRC (4): the smallest valid frame body, in bytes. */
export const FRAME_OVERHEAD_BYTES = 10;

/** Requests are answered by a response with the same sequence number. */
export type FrameKind = 'request' | 'response';
const KIND_BITS: Record<FrameKind, number> = { request: 0, response: 1 };

export interface Frame {
  kind: FrameKind;
  sequence: number;
  typeId: number;
  payload: Buffer;
}

/** Why a received frame was dropped; each reason is a counter in the decoder's stats. */
export type FrameDropReason = 'runt' | 'badCrc' | 'badVersion' | 'badKind' | 'badEscape' | 'oversize';

/** Builds the SLIP-wrapped wire bytes of one frame (the payload is escaped straight into the output). */
export function encodeFrame(frame: Frame): Buffer {
  return encodeFrameParts(frame.kind, frame.sequence, frame.typeId, [frame.payload]);
}

/**
 * `encodeFrame` for a payload given as consecutive parts (e.g. a message header and a bundle slice): the
 * parts are checksummed and escaped straight into the one output buffer (from `alloc`), never joined first.
 */
export function encodeFrameParts(kind: FrameKind, sequence: number, typeId: number, payloadParts: readonly Uint8Array[], alloc?: (size: number) => Buffer): Buffer {
  const header = Buffer.allocUnsafe(6);
  header[0] = (FRAME_FORMAT_VERSION << 4) | KIND_BITS[kind];
  header.writeUInt32BE(sequence >>> 0, 1);
  header[5] = typeId;
  const crc = Buffer.allocUnsafe(4);
  // zlib.crc32(empty view, seed) returns 0 rather than the seed for some empty views: skip empty parts.
  let sum = crc32(header);
  for (const part of payloadParts) if (part.length > 0) sum = crc32(part, sum);
  crc.writeUInt32BE(sum, 0);
  return slipEncodeParts([header, ...payloadParts, crc], alloc);
}

/** Parses an unescaped frame body, or returns the reason it is invalid. The payload is a view. */
export function parseFrameBody(body: Buffer): Frame | FrameDropReason {
  if (body.length < FRAME_OVERHEAD_BYTES) return 'runt';
  const crcAt = body.length - 4;
  if (crc32(body.subarray(0, crcAt)) !== body.readUInt32BE(crcAt)) return 'badCrc';
  if (body[0] >> 4 !== FRAME_FORMAT_VERSION) return 'badVersion';
  const kindBits = body[0] & 0x0f;
  const kind = kindBits === 0 ? 'request' : kindBits === 1 ? 'response' : undefined;
  if (!kind) return 'badKind';
  return { kind, sequence: body.readUInt32BE(1), typeId: body[5], payload: body.subarray(6, crcAt) };
}
