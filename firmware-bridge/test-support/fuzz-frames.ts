/**
 * Fuzzed link input for robustness tests: random bytes, valid frames with flipped bits, truncated frames,
 * structurally valid frames (correct CRC) around random or mutated protobuf payloads of every message type,
 * bad escapes, stray responses and the occasional oversize frame. Seeded, so failures reproduce.
 */
import { encodeFrame } from '../framing/frame.ts';
import { SLIP_END, SLIP_ESC } from '../framing/slip.ts';
import { encodeMessage, MESSAGE_TYPE_IDS } from '../protocol.ts';
import { seededRandom } from '../transport/seeded-random.ts';

export function fuzzFrameSource(seed: number): () => Buffer {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const bytes = (n: number) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(256); return b; };
  const sha = 'ab'.repeat(32);
  const valid: Buffer[] = [
    encodeMessage('hello', { minProtocolVersion: 1, maxProtocolVersion: 1, hostName: 'fuzz' }),
    encodeMessage('infer', { input: Buffer.alloc(12, 3), shape: [3, 4], dtype: 'uint8', budgetUs: 500, policy: 'confidence', threshold: 0.5, topK: 2 }),
    encodeMessage('flashBegin', { totalBytes: 4096, sha256: sha, auth: Buffer.alloc(32, 1), resume: true, name: 'fuzz', bundleVersion: 9, signature: Buffer.alloc(64, 2), keyId: '0123456789abcdef', downgradeSignature: Buffer.alloc(0) }),
    encodeMessage('flashChunk', { offset: 0, data: bytes(64) }),
    encodeMessage('flashCommit', { sha256: sha }),
    encodeMessage('flashAbort', { sha256: sha }),
    encodeMessage('statsRequest', {}),
  ];
  const typeIds = Object.values(MESSAGE_TYPE_IDS);
  const frame = (payload: Buffer, typeId = typeIds[int(typeIds.length)], kind: 'request' | 'response' = 'request') =>
    encodeFrame({ kind, sequence: int(2 ** 32), typeId, payload });

  const generators: (() => Buffer)[] = [
    () => bytes(int(80)),                                                      // line noise
    () => frame(bytes(int(64))),                                               // good CRC, random payload
    () => { const f = frame(valid[int(valid.length)]); for (let k = 1 + int(3); k > 0; k--) f[1 + int(f.length - 2)] ^= 1 << int(8); return f; },
    () => { const f = frame(valid[int(valid.length)]); return f.subarray(0, 1 + int(f.length - 1)); }, // truncated
    () => { const p = Buffer.from(valid[int(valid.length)]); for (let k = 1 + int(4); k > 0; k--) if (p.length) p[int(p.length)] = int(256); return frame(p); }, // mutated payload, good CRC
    () => frame(valid[int(valid.length)], 1 + int(12)),                       // right bytes, maybe wrong type
    () => Buffer.from([SLIP_END, ...bytes(5 + int(10)), SLIP_ESC, int(256), ...bytes(int(10)), SLIP_END]), // bad escape
    () => frame(bytes(int(32)), 2 + int(12), 'response'),                     // stray response
    () => Buffer.from([int(2) ? SLIP_END : 0, 0x10 | int(16), ...bytes(int(12))]), // runts and odd kinds
  ];
  let n = 0;
  return () => {
    n++;
    if (n % 5000 === 0) return Buffer.concat([Buffer.from([SLIP_END]), Buffer.alloc(300_000, 0x55)]); // oversize: no END for 300 KB
    return generators[int(generators.length)]();
  };
}
