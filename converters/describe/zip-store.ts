/**
 * A minimal zip (stored entries, no compression) appended to a model file: how TFLite packs a model's
 * associated files (labels.txt) — the flatbuffer stays readable from offset 0, zip readers find the archive
 * from its end. Offsets are absolute (from the start of the file), as a plain zip's are.
 */
import { crc32 } from 'node:zlib';
import { RanasError } from '../../src/errors.ts';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;

/** `prefix` followed by a zip holding `files` (name → bytes). */
export function appendStoredZip(prefix: Uint8Array, files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const parts: Buffer[] = [Buffer.from(prefix.buffer, prefix.byteOffset, prefix.length)];
  const central: Buffer[] = [];
  let offset = prefix.length;
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00, for reproducible bytes
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(CENTRAL, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x0800, 8);
    dir.writeUInt16LE(0, 10);
    dir.writeUInt32LE(0x00210000, 12);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(data.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(nameBytes.length, 28);
    dir.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, Buffer.from(data.buffer, data.byteOffset, data.length));
    central.push(dir, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(files.size, 8);
  end.writeUInt16LE(files.size, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  const out = Buffer.concat([...parts, centralBytes, end]);
  // A fresh ArrayBuffer at offset 0 (flatbuffer readers need the model's alignment).
  return new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
}

/** The stored entries of a zip at the end of `bytes` (name → bytes); empty when there is none. */
export function readStoredZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Map<string, Uint8Array>();
  if (b.length < 22 || b.readUInt32LE(b.length - 22) !== END) return out;
  const count = b.readUInt16LE(b.length - 22 + 10);
  let p = b.readUInt32LE(b.length - 22 + 16);
  for (let i = 0; i < count; i++) {
    if (b.readUInt32LE(p) !== CENTRAL) throw new RanasError('E_ZIP', `zip central directory entry ${i} at byte ${p} has a bad signature`);
    const size = b.readUInt32LE(p + 20);
    const nameLen = b.readUInt16LE(p + 28);
    const extraLen = b.readUInt16LE(p + 30);
    const commentLen = b.readUInt16LE(p + 32);
    const local = b.readUInt32LE(p + 42);
    const name = b.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    out.set(name, new Uint8Array(b.subarray(dataStart, dataStart + size)));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
