/**
 * Framing cost per flash chunk, in-process (no I/O): what the host spends building a chunk's frame (CRC +
 * SLIP into a pooled buffer), and what the device spends turning the escaped bytes back into a decoded
 * FlashChunk (copy into a pooled body, unescape, CRC check, protobuf decode). Random bundle bytes, so about
 * 2 bytes in 256 need escaping, as in a real int8 bundle. Prints µs per chunk and MB/s.
 * Usage: node --import tsx bench/framing.ts [--chunk BYTES] [--chunks N]
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { parseArgs } from 'node:util';
import { printTable, type Row } from '../src/text-table.ts';
import { BufferPool } from '../firmware-bridge/framing/buffer-pool.ts';
import { encodeFrameParts, parseFrameBody } from '../firmware-bridge/framing/frame.ts';
import { slipUnescapeInPlace } from '../firmware-bridge/framing/slip.ts';
import { decodeMessage, encodeMessageParts, MESSAGE_TYPE_IDS } from '../firmware-bridge/protocol.ts';

const { values } = parseArgs({ options: { chunk: { type: 'string', default: String(64 * 1024) }, chunks: { type: 'string', default: '512' } } });
const chunkBytes = Number(values.chunk);
const chunks = Number(values.chunks);
const bundle = randomBytes(chunkBytes * chunks);
const pool = new BufferPool();
const chunkAt = (i: number) => bundle.subarray((i % chunks) * chunkBytes, ((i % chunks) + 1) * chunkBytes);

/** µs per call of `f(i)` over `chunks` calls, after as many warm-up calls. */
function time(f: (i: number) => void): number {
  for (let i = 0; i < chunks; i++) f(i);
  const t0 = performance.now();
  for (let i = 0; i < chunks; i++) f(i);
  return ((performance.now() - t0) * 1000) / chunks;
}

const encode = (i: number) => encodeFrameParts('request', i, MESSAGE_TYPE_IDS.flashChunk, encodeMessageParts('flashChunk', { offset: i * chunkBytes, data: chunkAt(i) }), (n) => pool.take(n));
const wires = Array.from({ length: 16 }, (_, i) => Buffer.from(encode(i)));
const rows: Row[] = [];
const row = (measure: string, us: number) => rows.push({ measure, 'µs/chunk': us, 'MB/s': chunkBytes / us });
row('CRC32 of the chunk', time((i) => crc32(chunkAt(i))));
row('host: encode frame (CRC + SLIP, pooled)', time((i) => pool.release(encode(i))));
row('device: copy + unescape + CRC + decode', time((i) => {
  const wire = wires[i % wires.length];
  const body = pool.take(wire.length - 2);
  wire.copy(body, 0, 1, wire.length - 1);
  const frame = parseFrameBody(slipUnescapeInPlace(body) ?? Buffer.alloc(0));
  if (typeof frame === 'string') throw new Error(`bench frame dropped: ${frame}`);
  decodeMessage('flashChunk', frame.payload);
  pool.release(body);
}));
printTable(rows, { title: `framing, ${chunkBytes}-byte chunks × ${chunks}`, columns: ['measure', 'µs/chunk', 'MB/s'] });
