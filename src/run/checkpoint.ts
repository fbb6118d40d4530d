/**
 * Training checkpoints: one file `checkpoint.bin`, written atomically (temp file + rename), so a crash at
 * any moment leaves either the previous or the new checkpoint. Layout: ASCII magic `RNCK1\n`, a uint32
 * little-endian header length, a JSON header (step, data-stream state, free metadata, tensor index), zero
 * padding to a multiple of 4, then the float32 little-endian tensors in index order.
 */
import { readFileSync } from 'node:fs';
import { RanasError } from '../errors.ts';
import { writeFileAtomic } from '../run-folder.ts';

const MAGIC = 'RNCK1\n';

/** Tensor groups held in a checkpoint. */
export type CheckpointGroup = 'variable' | 'buffer' | 'velocity';

/** Everything needed to continue a run exactly. */
export interface Checkpoint {
  /** Optimizer steps completed. */
  step: number;
  /** Batch-stream position (its own JSON state). */
  data: unknown;
  /** Free JSON metadata (config echo, epoch, ...). */
  meta: Record<string, unknown>;
  tensors: Record<CheckpointGroup, Map<string, Float32Array>>;
}

interface IndexEntry { group: CheckpointGroup; name: string; length: number }

/** Writes a checkpoint atomically. */
export function writeCheckpoint(path: string, ck: Checkpoint): void {
  const index: IndexEntry[] = [];
  const arrays: Float32Array[] = [];
  for (const group of ['variable', 'buffer', 'velocity'] as const) {
    for (const [name, data] of ck.tensors[group]) {
      index.push({ group, name, length: data.length });
      arrays.push(data);
    }
  }
  const header = Buffer.from(JSON.stringify({ step: ck.step, data: ck.data, meta: ck.meta, index }), 'utf8');
  const headStart = MAGIC.length + 4;
  const dataStart = Math.ceil((headStart + header.length) / 4) * 4;
  const total = dataStart + arrays.reduce((s, a) => s + a.length * 4, 0);
  const buf = Buffer.alloc(total);
  buf.write(MAGIC, 0, 'ascii');
  buf.writeUInt32LE(header.length, MAGIC.length);
  header.copy(buf, headStart);
  let off = dataStart;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(buf, off); // float32 little-endian on every host we run
    off += a.byteLength;
  }
  writeFileAtomic(path, buf);
}

/** Reads and validates a checkpoint; corrupt files raise `E_CHECKPOINT_CORRUPT` naming the problem. */
export function readCheckpoint(path: string): Checkpoint {
  const buf = readFileSync(path);
  const bad = (why: string, offset?: number) => new RanasError('E_CHECKPOINT_CORRUPT', `checkpoint ${path}: ${why}`, { file: path, offset });
  if (buf.length < MAGIC.length + 4 || buf.toString('ascii', 0, MAGIC.length) !== MAGIC) throw bad(`bad magic; expected ${JSON.stringify(MAGIC)}`, 0);
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const headStart = MAGIC.length + 4;
  if (headStart + headerLength > buf.length) throw bad(`header length ${headerLength} runs past the end of the file (${buf.length} bytes)`, MAGIC.length);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', headStart, headStart + headerLength));
  } catch {
    throw bad('header is not valid JSON', headStart);
  }
  if (typeof header !== 'object' || header === null) throw bad('header is not an object', headStart);
  const step: unknown = Reflect.get(header, 'step');
  const meta: unknown = Reflect.get(header, 'meta');
  const index: unknown = Reflect.get(header, 'index');
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw bad(`step should be a non-negative integer, found ${JSON.stringify(step)}`);
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw bad('meta should be an object');
  if (!Array.isArray(index)) throw bad('index should be an array');
  const tensors: Checkpoint['tensors'] = { variable: new Map(), buffer: new Map(), velocity: new Map() };
  let off = Math.ceil((headStart + headerLength) / 4) * 4;
  for (const [i, e] of index.entries()) {
    const group: unknown = typeof e === 'object' && e !== null ? Reflect.get(e, 'group') : undefined;
    const name: unknown = typeof e === 'object' && e !== null ? Reflect.get(e, 'name') : undefined;
    const length: unknown = typeof e === 'object' && e !== null ? Reflect.get(e, 'length') : undefined;
    if ((group !== 'variable' && group !== 'buffer' && group !== 'velocity') || typeof name !== 'string' || typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
      throw bad(`index entry ${i} is malformed: ${JSON.stringify(e)}`);
    }
    if (off + length * 4 > buf.length) throw bad(`tensor ${name} (${length} floats at byte ${off}) runs past the end of the file (${buf.length} bytes)`, off);
    const data = new Float32Array(length);
    Buffer.from(data.buffer).set(buf.subarray(off, off + length * 4));
    tensors[group].set(name, data);
    off += length * 4;
  }
  if (off !== buf.length) throw bad(`${buf.length - off} trailing bytes after the last tensor`, off);
  return { step, data: Reflect.get(header, 'data'), meta: { ...meta }, tensors };
}
